// Command ilios-convert converts one file with the Ilios gRPC service and
// prints each page's Markdown as soon as the server streams it.
//
//	ilios-convert [-addr host:port] FILE
//
// The address defaults to $ILIOS_TARGET, else localhost:50051. When
// $ILIOS_API_KEY is set it is sent as "authorization: Bearer <key>".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	iliosv1 "ilios.dev/clients/go/ilios/v1"
)

const maxMessage = 80 << 20 // replies up to the server's 64 MiB; it reads requests up to 8 MiB (MAX_MESSAGE_SIZE)

func main() {
	addr := flag.String("addr", envOr("ILIOS_TARGET", "localhost:50051"), "gRPC address of the Ilios server")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: ilios-convert [-addr host:port] [-timeout d] FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*addr, flag.Arg(0), *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "ilios-convert:", err)
		os.Exit(1)
	}
}

func run(addr, path string, timeout time.Duration) error {
	content, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if key := os.Getenv("ILIOS_API_KEY"); key != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	}
	conn, err := grpc.DialContext(ctx, addr, grpc.WithInsecure(),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)))
	if err != nil {
		return err
	}
	defer conn.Close()

	stream, err := iliosv1.NewConversionServiceClient(conn).Convert(ctx, &iliosv1.ConvertRequest{
		File: &iliosv1.FileSource{
			Source:   &iliosv1.FileSource_Content{Content: content},
			FileName: filepath.Base(path),
		},
	})
	if err != nil {
		return err
	}
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch event := msg.Event.(type) {
		case *iliosv1.ConvertResponse_Accepted:
			fmt.Fprintf(os.Stderr, "accepted %s (%s)\n", event.Accepted.Id, event.Accepted.MimeType)
		case *iliosv1.ConvertResponse_Page:
			fmt.Printf("<!-- page %d -->\n%s\n\n", event.Page.Number, event.Page.Markdown)
		case *iliosv1.ConvertResponse_Completed:
			doc := event.Completed.Document
			fmt.Fprintf(os.Stderr, "completed %s: %d pages, %s, %d ms\n",
				doc.Id, doc.PageCount, doc.Engine, doc.ProcessingTimeMs)
		}
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
