<?php
// GENERATED CODE -- DO NOT EDIT!

namespace Ilios\V1;

/**
 * Converts documents (PDF, images, office files) to Markdown.
 *
 * Errors carry a google.rpc.Status with one google.rpc.ErrorInfo whose
 * `reason` is stable (e.g. EMPTY_FILE, CORRUPT_FILE, DOCUMENT_NOT_FOUND) and
 * whose domain is "ilios.dev".
 */
class ConversionServiceClient extends \Grpc\BaseStub {

    /**
     * @param string $hostname hostname
     * @param array $opts channel options
     * @param \Grpc\Channel $channel (optional) re-use channel object
     */
    public function __construct($hostname, $opts, $channel = null) {
        parent::__construct($hostname, $opts, $channel);
    }

    /**
     * Converts one document and streams the result: first `accepted`, then one
     * `page` per page as workers produce them, then `completed`. A conversion
     * that fails ends the stream with an error status naming the reason.
     * @param \Ilios\V1\ConvertRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\ServerStreamingCall
     */
    public function Convert(\Ilios\V1\ConvertRequest $argument,
      $metadata = [], $options = []) {
        return $this->_serverStreamRequest('/ilios.v1.ConversionService/Convert',
        $argument,
        ['\Ilios\V1\ConvertResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Streams a large file in chunks. The first message carries `metadata`,
     * the rest `chunk`s. Returns an upload id that Convert, SubmitDocument and
     * BatchSubmit accept instead of inline content (once).
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\ClientStreamingCall
     */
    public function Upload($metadata = [], $options = []) {
        return $this->_clientStreamRequest('/ilios.v1.ConversionService/Upload',
        ['\Ilios\V1\UploadResponse','decode'],
        $metadata, $options);
    }

    /**
     * Deletes an upload no document has used, and its file. An unknown or
     * already used upload is NOT_FOUND (UPLOAD_NOT_FOUND).
     * @param \Ilios\V1\DeleteUploadRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function DeleteUpload(\Ilios\V1\DeleteUploadRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/DeleteUpload',
        $argument,
        ['\Ilios\V1\DeleteUploadResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Reserves a document whose file the client sends with a plain HTTP PUT
     * (the original API's upload-url flow): straight to S3 through a presigned
     * URL when the server stores in S3, else to the REST gateway with a token.
     * @param \Ilios\V1\ReserveUploadRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function ReserveUpload(\Ilios\V1\ReserveUploadRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/ReserveUpload',
        $argument,
        ['\Ilios\V1\ReserveUploadResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Queues the conversion of a reserved document once its file is sent.
     * @param \Ilios\V1\CompleteUploadRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function CompleteUpload(\Ilios\V1\CompleteUploadRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/CompleteUpload',
        $argument,
        ['\Ilios\V1\CompleteUploadResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Queues several documents as one batch, converted asynchronously.
     * @param \Ilios\V1\BatchSubmitRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function BatchSubmit(\Ilios\V1\BatchSubmitRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/BatchSubmit',
        $argument,
        ['\Ilios\V1\BatchSubmitResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Queues one document, converted asynchronously.
     * @param \Ilios\V1\SubmitDocumentRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function SubmitDocument(\Ilios\V1\SubmitDocumentRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/SubmitDocument',
        $argument,
        ['\Ilios\V1\SubmitDocumentResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * The state of a document.
     * @param \Ilios\V1\GetDocumentRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function GetDocument(\Ilios\V1\GetDocumentRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/GetDocument',
        $argument,
        ['\Ilios\V1\GetDocumentResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * The Markdown of a completed document.
     * @param \Ilios\V1\GetDocumentContentRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function GetDocumentContent(\Ilios\V1\GetDocumentContentRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/GetDocumentContent',
        $argument,
        ['\Ilios\V1\GetDocumentContentResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Streams the original file: `metadata` first, then `chunk`s.
     * @param \Ilios\V1\ReadOriginalRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\ServerStreamingCall
     */
    public function ReadOriginal(\Ilios\V1\ReadOriginalRequest $argument,
      $metadata = [], $options = []) {
        return $this->_serverStreamRequest('/ilios.v1.ConversionService/ReadOriginal',
        $argument,
        ['\Ilios\V1\ReadOriginalResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * The state and progress of a batch.
     * @param \Ilios\V1\GetBatchRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function GetBatch(\Ilios\V1\GetBatchRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/GetBatch',
        $argument,
        ['\Ilios\V1\GetBatchResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Streams every document of a finished batch, one message per document.
     * @param \Ilios\V1\DownloadBatchRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\ServerStreamingCall
     */
    public function DownloadBatch(\Ilios\V1\DownloadBatchRequest $argument,
      $metadata = [], $options = []) {
        return $this->_serverStreamRequest('/ilios.v1.ConversionService/DownloadBatch',
        $argument,
        ['\Ilios\V1\DownloadBatchResponse', 'decode'],
        $metadata, $options);
    }

    /**
     * Lists documents, newest first.
     * @param \Ilios\V1\ListDocumentsRequest $argument input argument
     * @param array $metadata metadata
     * @param array $options call options
     * @return \Grpc\UnaryCall
     */
    public function ListDocuments(\Ilios\V1\ListDocumentsRequest $argument,
      $metadata = [], $options = []) {
        return $this->_simpleRequest('/ilios.v1.ConversionService/ListDocuments',
        $argument,
        ['\Ilios\V1\ListDocumentsResponse', 'decode'],
        $metadata, $options);
    }

}
