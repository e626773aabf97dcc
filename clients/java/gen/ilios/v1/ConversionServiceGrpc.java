package ilios.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Converts documents (PDF, images, office files) to Markdown.
 * Errors carry a google.rpc.Status with one google.rpc.ErrorInfo whose
 * `reason` is stable (e.g. EMPTY_FILE, CORRUPT_FILE, DOCUMENT_NOT_FOUND) and
 * whose domain is "ilios.dev".
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: ilios/v1/conversion_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class ConversionServiceGrpc {

  private ConversionServiceGrpc() {}

  public static final String SERVICE_NAME = "ilios.v1.ConversionService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ConvertRequest,
      ilios.v1.ConversionServiceOuterClass.ConvertResponse> getConvertMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Convert",
      requestType = ilios.v1.ConversionServiceOuterClass.ConvertRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.ConvertResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ConvertRequest,
      ilios.v1.ConversionServiceOuterClass.ConvertResponse> getConvertMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ConvertRequest, ilios.v1.ConversionServiceOuterClass.ConvertResponse> getConvertMethod;
    if ((getConvertMethod = ConversionServiceGrpc.getConvertMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getConvertMethod = ConversionServiceGrpc.getConvertMethod) == null) {
          ConversionServiceGrpc.getConvertMethod = getConvertMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.ConvertRequest, ilios.v1.ConversionServiceOuterClass.ConvertResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Convert"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ConvertRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ConvertResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("Convert"))
              .build();
        }
      }
    }
    return getConvertMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.UploadRequest,
      ilios.v1.ConversionServiceOuterClass.UploadResponse> getUploadMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Upload",
      requestType = ilios.v1.ConversionServiceOuterClass.UploadRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.UploadResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.UploadRequest,
      ilios.v1.ConversionServiceOuterClass.UploadResponse> getUploadMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.UploadRequest, ilios.v1.ConversionServiceOuterClass.UploadResponse> getUploadMethod;
    if ((getUploadMethod = ConversionServiceGrpc.getUploadMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getUploadMethod = ConversionServiceGrpc.getUploadMethod) == null) {
          ConversionServiceGrpc.getUploadMethod = getUploadMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.UploadRequest, ilios.v1.ConversionServiceOuterClass.UploadResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Upload"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.UploadRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.UploadResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("Upload"))
              .build();
        }
      }
    }
    return getUploadMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest,
      ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse> getDeleteUploadMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteUpload",
      requestType = ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest,
      ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse> getDeleteUploadMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest, ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse> getDeleteUploadMethod;
    if ((getDeleteUploadMethod = ConversionServiceGrpc.getDeleteUploadMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getDeleteUploadMethod = ConversionServiceGrpc.getDeleteUploadMethod) == null) {
          ConversionServiceGrpc.getDeleteUploadMethod = getDeleteUploadMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest, ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteUpload"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("DeleteUpload"))
              .build();
        }
      }
    }
    return getDeleteUploadMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest,
      ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse> getReserveUploadMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReserveUpload",
      requestType = ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest,
      ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse> getReserveUploadMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest, ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse> getReserveUploadMethod;
    if ((getReserveUploadMethod = ConversionServiceGrpc.getReserveUploadMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getReserveUploadMethod = ConversionServiceGrpc.getReserveUploadMethod) == null) {
          ConversionServiceGrpc.getReserveUploadMethod = getReserveUploadMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest, ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReserveUpload"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("ReserveUpload"))
              .build();
        }
      }
    }
    return getReserveUploadMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest,
      ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse> getCompleteUploadMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CompleteUpload",
      requestType = ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest,
      ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse> getCompleteUploadMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest, ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse> getCompleteUploadMethod;
    if ((getCompleteUploadMethod = ConversionServiceGrpc.getCompleteUploadMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getCompleteUploadMethod = ConversionServiceGrpc.getCompleteUploadMethod) == null) {
          ConversionServiceGrpc.getCompleteUploadMethod = getCompleteUploadMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest, ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CompleteUpload"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("CompleteUpload"))
              .build();
        }
      }
    }
    return getCompleteUploadMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest,
      ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse> getBatchSubmitMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "BatchSubmit",
      requestType = ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest,
      ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse> getBatchSubmitMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest, ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse> getBatchSubmitMethod;
    if ((getBatchSubmitMethod = ConversionServiceGrpc.getBatchSubmitMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getBatchSubmitMethod = ConversionServiceGrpc.getBatchSubmitMethod) == null) {
          ConversionServiceGrpc.getBatchSubmitMethod = getBatchSubmitMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest, ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "BatchSubmit"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("BatchSubmit"))
              .build();
        }
      }
    }
    return getBatchSubmitMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest,
      ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse> getSubmitDocumentMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubmitDocument",
      requestType = ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest,
      ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse> getSubmitDocumentMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest, ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse> getSubmitDocumentMethod;
    if ((getSubmitDocumentMethod = ConversionServiceGrpc.getSubmitDocumentMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getSubmitDocumentMethod = ConversionServiceGrpc.getSubmitDocumentMethod) == null) {
          ConversionServiceGrpc.getSubmitDocumentMethod = getSubmitDocumentMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest, ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubmitDocument"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("SubmitDocument"))
              .build();
        }
      }
    }
    return getSubmitDocumentMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetDocumentRequest,
      ilios.v1.ConversionServiceOuterClass.GetDocumentResponse> getGetDocumentMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDocument",
      requestType = ilios.v1.ConversionServiceOuterClass.GetDocumentRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.GetDocumentResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetDocumentRequest,
      ilios.v1.ConversionServiceOuterClass.GetDocumentResponse> getGetDocumentMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetDocumentRequest, ilios.v1.ConversionServiceOuterClass.GetDocumentResponse> getGetDocumentMethod;
    if ((getGetDocumentMethod = ConversionServiceGrpc.getGetDocumentMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getGetDocumentMethod = ConversionServiceGrpc.getGetDocumentMethod) == null) {
          ConversionServiceGrpc.getGetDocumentMethod = getGetDocumentMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.GetDocumentRequest, ilios.v1.ConversionServiceOuterClass.GetDocumentResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDocument"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.GetDocumentRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.GetDocumentResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("GetDocument"))
              .build();
        }
      }
    }
    return getGetDocumentMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest,
      ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse> getGetDocumentContentMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDocumentContent",
      requestType = ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest,
      ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse> getGetDocumentContentMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest, ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse> getGetDocumentContentMethod;
    if ((getGetDocumentContentMethod = ConversionServiceGrpc.getGetDocumentContentMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getGetDocumentContentMethod = ConversionServiceGrpc.getGetDocumentContentMethod) == null) {
          ConversionServiceGrpc.getGetDocumentContentMethod = getGetDocumentContentMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest, ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDocumentContent"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("GetDocumentContent"))
              .build();
        }
      }
    }
    return getGetDocumentContentMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest,
      ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse> getReadOriginalMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReadOriginal",
      requestType = ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest,
      ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse> getReadOriginalMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest, ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse> getReadOriginalMethod;
    if ((getReadOriginalMethod = ConversionServiceGrpc.getReadOriginalMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getReadOriginalMethod = ConversionServiceGrpc.getReadOriginalMethod) == null) {
          ConversionServiceGrpc.getReadOriginalMethod = getReadOriginalMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest, ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReadOriginal"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("ReadOriginal"))
              .build();
        }
      }
    }
    return getReadOriginalMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetBatchRequest,
      ilios.v1.ConversionServiceOuterClass.GetBatchResponse> getGetBatchMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetBatch",
      requestType = ilios.v1.ConversionServiceOuterClass.GetBatchRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.GetBatchResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetBatchRequest,
      ilios.v1.ConversionServiceOuterClass.GetBatchResponse> getGetBatchMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.GetBatchRequest, ilios.v1.ConversionServiceOuterClass.GetBatchResponse> getGetBatchMethod;
    if ((getGetBatchMethod = ConversionServiceGrpc.getGetBatchMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getGetBatchMethod = ConversionServiceGrpc.getGetBatchMethod) == null) {
          ConversionServiceGrpc.getGetBatchMethod = getGetBatchMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.GetBatchRequest, ilios.v1.ConversionServiceOuterClass.GetBatchResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetBatch"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.GetBatchRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.GetBatchResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("GetBatch"))
              .build();
        }
      }
    }
    return getGetBatchMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest,
      ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse> getDownloadBatchMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DownloadBatch",
      requestType = ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest,
      ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse> getDownloadBatchMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest, ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse> getDownloadBatchMethod;
    if ((getDownloadBatchMethod = ConversionServiceGrpc.getDownloadBatchMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getDownloadBatchMethod = ConversionServiceGrpc.getDownloadBatchMethod) == null) {
          ConversionServiceGrpc.getDownloadBatchMethod = getDownloadBatchMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest, ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DownloadBatch"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("DownloadBatch"))
              .build();
        }
      }
    }
    return getDownloadBatchMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest,
      ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse> getListDocumentsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListDocuments",
      requestType = ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest.class,
      responseType = ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest,
      ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse> getListDocumentsMethod() {
    io.grpc.MethodDescriptor<ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest, ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse> getListDocumentsMethod;
    if ((getListDocumentsMethod = ConversionServiceGrpc.getListDocumentsMethod) == null) {
      synchronized (ConversionServiceGrpc.class) {
        if ((getListDocumentsMethod = ConversionServiceGrpc.getListDocumentsMethod) == null) {
          ConversionServiceGrpc.getListDocumentsMethod = getListDocumentsMethod =
              io.grpc.MethodDescriptor.<ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest, ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListDocuments"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversionServiceMethodDescriptorSupplier("ListDocuments"))
              .build();
        }
      }
    }
    return getListDocumentsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ConversionServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ConversionServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ConversionServiceStub>() {
        @java.lang.Override
        public ConversionServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ConversionServiceStub(channel, callOptions);
        }
      };
    return ConversionServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ConversionServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ConversionServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ConversionServiceBlockingStub>() {
        @java.lang.Override
        public ConversionServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ConversionServiceBlockingStub(channel, callOptions);
        }
      };
    return ConversionServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ConversionServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ConversionServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ConversionServiceFutureStub>() {
        @java.lang.Override
        public ConversionServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ConversionServiceFutureStub(channel, callOptions);
        }
      };
    return ConversionServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Converts documents (PDF, images, office files) to Markdown.
   * Errors carry a google.rpc.Status with one google.rpc.ErrorInfo whose
   * `reason` is stable (e.g. EMPTY_FILE, CORRUPT_FILE, DOCUMENT_NOT_FOUND) and
   * whose domain is "ilios.dev".
   * </pre>
   */
  public static abstract class ConversionServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Converts one document and streams the result: first `accepted`, then one
     * `page` per page as workers produce them, then `completed`. A conversion
     * that fails ends the stream with an error status naming the reason.
     * </pre>
     */
    public void convert(ilios.v1.ConversionServiceOuterClass.ConvertRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ConvertResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getConvertMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams a large file in chunks. The first message carries `metadata`,
     * the rest `chunk`s. Returns an upload id that Convert, SubmitDocument and
     * BatchSubmit accept instead of inline content (once).
     * </pre>
     */
    public io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.UploadRequest> upload(
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.UploadResponse> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getUploadMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes an upload no document has used, and its file. An unknown or
     * already used upload is NOT_FOUND (UPLOAD_NOT_FOUND).
     * </pre>
     */
    public void deleteUpload(ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteUploadMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reserves a document whose file the client sends with a plain HTTP PUT
     * (the original API's upload-url flow): straight to S3 through a presigned
     * URL when the server stores in S3, else to the REST gateway with a token.
     * </pre>
     */
    public void reserveUpload(ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReserveUploadMethod(), responseObserver);
    }

    /**
     * <pre>
     * Queues the conversion of a reserved document once its file is sent.
     * </pre>
     */
    public void completeUpload(ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCompleteUploadMethod(), responseObserver);
    }

    /**
     * <pre>
     * Queues several documents as one batch, converted asynchronously.
     * </pre>
     */
    public void batchSubmit(ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getBatchSubmitMethod(), responseObserver);
    }

    /**
     * <pre>
     * Queues one document, converted asynchronously.
     * </pre>
     */
    public void submitDocument(ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubmitDocumentMethod(), responseObserver);
    }

    /**
     * <pre>
     * The state of a document.
     * </pre>
     */
    public void getDocument(ilios.v1.ConversionServiceOuterClass.GetDocumentRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetDocumentResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDocumentMethod(), responseObserver);
    }

    /**
     * <pre>
     * The Markdown of a completed document.
     * </pre>
     */
    public void getDocumentContent(ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDocumentContentMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams the original file: `metadata` first, then `chunk`s.
     * </pre>
     */
    public void readOriginal(ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReadOriginalMethod(), responseObserver);
    }

    /**
     * <pre>
     * The state and progress of a batch.
     * </pre>
     */
    public void getBatch(ilios.v1.ConversionServiceOuterClass.GetBatchRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetBatchResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetBatchMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams every document of a finished batch, one message per document.
     * </pre>
     */
    public void downloadBatch(ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDownloadBatchMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists documents, newest first.
     * </pre>
     */
    public void listDocuments(ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListDocumentsMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getConvertMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.ConvertRequest,
                ilios.v1.ConversionServiceOuterClass.ConvertResponse>(
                  this, METHODID_CONVERT)))
          .addMethod(
            getUploadMethod(),
            io.grpc.stub.ServerCalls.asyncClientStreamingCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.UploadRequest,
                ilios.v1.ConversionServiceOuterClass.UploadResponse>(
                  this, METHODID_UPLOAD)))
          .addMethod(
            getDeleteUploadMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest,
                ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse>(
                  this, METHODID_DELETE_UPLOAD)))
          .addMethod(
            getReserveUploadMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest,
                ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse>(
                  this, METHODID_RESERVE_UPLOAD)))
          .addMethod(
            getCompleteUploadMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest,
                ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse>(
                  this, METHODID_COMPLETE_UPLOAD)))
          .addMethod(
            getBatchSubmitMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest,
                ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse>(
                  this, METHODID_BATCH_SUBMIT)))
          .addMethod(
            getSubmitDocumentMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest,
                ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse>(
                  this, METHODID_SUBMIT_DOCUMENT)))
          .addMethod(
            getGetDocumentMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.GetDocumentRequest,
                ilios.v1.ConversionServiceOuterClass.GetDocumentResponse>(
                  this, METHODID_GET_DOCUMENT)))
          .addMethod(
            getGetDocumentContentMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest,
                ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse>(
                  this, METHODID_GET_DOCUMENT_CONTENT)))
          .addMethod(
            getReadOriginalMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest,
                ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse>(
                  this, METHODID_READ_ORIGINAL)))
          .addMethod(
            getGetBatchMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.GetBatchRequest,
                ilios.v1.ConversionServiceOuterClass.GetBatchResponse>(
                  this, METHODID_GET_BATCH)))
          .addMethod(
            getDownloadBatchMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest,
                ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse>(
                  this, METHODID_DOWNLOAD_BATCH)))
          .addMethod(
            getListDocumentsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest,
                ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse>(
                  this, METHODID_LIST_DOCUMENTS)))
          .build();
    }
  }

  /**
   * <pre>
   * Converts documents (PDF, images, office files) to Markdown.
   * Errors carry a google.rpc.Status with one google.rpc.ErrorInfo whose
   * `reason` is stable (e.g. EMPTY_FILE, CORRUPT_FILE, DOCUMENT_NOT_FOUND) and
   * whose domain is "ilios.dev".
   * </pre>
   */
  public static final class ConversionServiceStub extends io.grpc.stub.AbstractAsyncStub<ConversionServiceStub> {
    private ConversionServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ConversionServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ConversionServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Converts one document and streams the result: first `accepted`, then one
     * `page` per page as workers produce them, then `completed`. A conversion
     * that fails ends the stream with an error status naming the reason.
     * </pre>
     */
    public void convert(ilios.v1.ConversionServiceOuterClass.ConvertRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ConvertResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getConvertMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams a large file in chunks. The first message carries `metadata`,
     * the rest `chunk`s. Returns an upload id that Convert, SubmitDocument and
     * BatchSubmit accept instead of inline content (once).
     * </pre>
     */
    public io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.UploadRequest> upload(
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.UploadResponse> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncClientStreamingCall(
          getChannel().newCall(getUploadMethod(), getCallOptions()), responseObserver);
    }

    /**
     * <pre>
     * Deletes an upload no document has used, and its file. An unknown or
     * already used upload is NOT_FOUND (UPLOAD_NOT_FOUND).
     * </pre>
     */
    public void deleteUpload(ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteUploadMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reserves a document whose file the client sends with a plain HTTP PUT
     * (the original API's upload-url flow): straight to S3 through a presigned
     * URL when the server stores in S3, else to the REST gateway with a token.
     * </pre>
     */
    public void reserveUpload(ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReserveUploadMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Queues the conversion of a reserved document once its file is sent.
     * </pre>
     */
    public void completeUpload(ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCompleteUploadMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Queues several documents as one batch, converted asynchronously.
     * </pre>
     */
    public void batchSubmit(ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getBatchSubmitMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Queues one document, converted asynchronously.
     * </pre>
     */
    public void submitDocument(ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSubmitDocumentMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The state of a document.
     * </pre>
     */
    public void getDocument(ilios.v1.ConversionServiceOuterClass.GetDocumentRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetDocumentResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDocumentMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The Markdown of a completed document.
     * </pre>
     */
    public void getDocumentContent(ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDocumentContentMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams the original file: `metadata` first, then `chunk`s.
     * </pre>
     */
    public void readOriginal(ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getReadOriginalMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The state and progress of a batch.
     * </pre>
     */
    public void getBatch(ilios.v1.ConversionServiceOuterClass.GetBatchRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetBatchResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetBatchMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams every document of a finished batch, one message per document.
     * </pre>
     */
    public void downloadBatch(ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getDownloadBatchMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists documents, newest first.
     * </pre>
     */
    public void listDocuments(ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListDocumentsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Converts documents (PDF, images, office files) to Markdown.
   * Errors carry a google.rpc.Status with one google.rpc.ErrorInfo whose
   * `reason` is stable (e.g. EMPTY_FILE, CORRUPT_FILE, DOCUMENT_NOT_FOUND) and
   * whose domain is "ilios.dev".
   * </pre>
   */
  public static final class ConversionServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<ConversionServiceBlockingStub> {
    private ConversionServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ConversionServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ConversionServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Converts one document and streams the result: first `accepted`, then one
     * `page` per page as workers produce them, then `completed`. A conversion
     * that fails ends the stream with an error status naming the reason.
     * </pre>
     */
    public java.util.Iterator<ilios.v1.ConversionServiceOuterClass.ConvertResponse> convert(
        ilios.v1.ConversionServiceOuterClass.ConvertRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getConvertMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes an upload no document has used, and its file. An unknown or
     * already used upload is NOT_FOUND (UPLOAD_NOT_FOUND).
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse deleteUpload(ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteUploadMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reserves a document whose file the client sends with a plain HTTP PUT
     * (the original API's upload-url flow): straight to S3 through a presigned
     * URL when the server stores in S3, else to the REST gateway with a token.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse reserveUpload(ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReserveUploadMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Queues the conversion of a reserved document once its file is sent.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse completeUpload(ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCompleteUploadMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Queues several documents as one batch, converted asynchronously.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse batchSubmit(ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getBatchSubmitMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Queues one document, converted asynchronously.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse submitDocument(ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSubmitDocumentMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The state of a document.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.GetDocumentResponse getDocument(ilios.v1.ConversionServiceOuterClass.GetDocumentRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDocumentMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The Markdown of a completed document.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse getDocumentContent(ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDocumentContentMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the original file: `metadata` first, then `chunk`s.
     * </pre>
     */
    public java.util.Iterator<ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse> readOriginal(
        ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getReadOriginalMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The state and progress of a batch.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.GetBatchResponse getBatch(ilios.v1.ConversionServiceOuterClass.GetBatchRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetBatchMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams every document of a finished batch, one message per document.
     * </pre>
     */
    public java.util.Iterator<ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse> downloadBatch(
        ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getDownloadBatchMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists documents, newest first.
     * </pre>
     */
    public ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse listDocuments(ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListDocumentsMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Converts documents (PDF, images, office files) to Markdown.
   * Errors carry a google.rpc.Status with one google.rpc.ErrorInfo whose
   * `reason` is stable (e.g. EMPTY_FILE, CORRUPT_FILE, DOCUMENT_NOT_FOUND) and
   * whose domain is "ilios.dev".
   * </pre>
   */
  public static final class ConversionServiceFutureStub extends io.grpc.stub.AbstractFutureStub<ConversionServiceFutureStub> {
    private ConversionServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ConversionServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ConversionServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Deletes an upload no document has used, and its file. An unknown or
     * already used upload is NOT_FOUND (UPLOAD_NOT_FOUND).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse> deleteUpload(
        ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteUploadMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reserves a document whose file the client sends with a plain HTTP PUT
     * (the original API's upload-url flow): straight to S3 through a presigned
     * URL when the server stores in S3, else to the REST gateway with a token.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse> reserveUpload(
        ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReserveUploadMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Queues the conversion of a reserved document once its file is sent.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse> completeUpload(
        ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCompleteUploadMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Queues several documents as one batch, converted asynchronously.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse> batchSubmit(
        ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getBatchSubmitMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Queues one document, converted asynchronously.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse> submitDocument(
        ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSubmitDocumentMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The state of a document.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.GetDocumentResponse> getDocument(
        ilios.v1.ConversionServiceOuterClass.GetDocumentRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDocumentMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The Markdown of a completed document.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse> getDocumentContent(
        ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDocumentContentMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The state and progress of a batch.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.GetBatchResponse> getBatch(
        ilios.v1.ConversionServiceOuterClass.GetBatchRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetBatchMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists documents, newest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse> listDocuments(
        ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListDocumentsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CONVERT = 0;
  private static final int METHODID_DELETE_UPLOAD = 1;
  private static final int METHODID_RESERVE_UPLOAD = 2;
  private static final int METHODID_COMPLETE_UPLOAD = 3;
  private static final int METHODID_BATCH_SUBMIT = 4;
  private static final int METHODID_SUBMIT_DOCUMENT = 5;
  private static final int METHODID_GET_DOCUMENT = 6;
  private static final int METHODID_GET_DOCUMENT_CONTENT = 7;
  private static final int METHODID_READ_ORIGINAL = 8;
  private static final int METHODID_GET_BATCH = 9;
  private static final int METHODID_DOWNLOAD_BATCH = 10;
  private static final int METHODID_LIST_DOCUMENTS = 11;
  private static final int METHODID_UPLOAD = 12;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final ConversionServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(ConversionServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CONVERT:
          serviceImpl.convert((ilios.v1.ConversionServiceOuterClass.ConvertRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ConvertResponse>) responseObserver);
          break;
        case METHODID_DELETE_UPLOAD:
          serviceImpl.deleteUpload((ilios.v1.ConversionServiceOuterClass.DeleteUploadRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.DeleteUploadResponse>) responseObserver);
          break;
        case METHODID_RESERVE_UPLOAD:
          serviceImpl.reserveUpload((ilios.v1.ConversionServiceOuterClass.ReserveUploadRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ReserveUploadResponse>) responseObserver);
          break;
        case METHODID_COMPLETE_UPLOAD:
          serviceImpl.completeUpload((ilios.v1.ConversionServiceOuterClass.CompleteUploadRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.CompleteUploadResponse>) responseObserver);
          break;
        case METHODID_BATCH_SUBMIT:
          serviceImpl.batchSubmit((ilios.v1.ConversionServiceOuterClass.BatchSubmitRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.BatchSubmitResponse>) responseObserver);
          break;
        case METHODID_SUBMIT_DOCUMENT:
          serviceImpl.submitDocument((ilios.v1.ConversionServiceOuterClass.SubmitDocumentRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.SubmitDocumentResponse>) responseObserver);
          break;
        case METHODID_GET_DOCUMENT:
          serviceImpl.getDocument((ilios.v1.ConversionServiceOuterClass.GetDocumentRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetDocumentResponse>) responseObserver);
          break;
        case METHODID_GET_DOCUMENT_CONTENT:
          serviceImpl.getDocumentContent((ilios.v1.ConversionServiceOuterClass.GetDocumentContentRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetDocumentContentResponse>) responseObserver);
          break;
        case METHODID_READ_ORIGINAL:
          serviceImpl.readOriginal((ilios.v1.ConversionServiceOuterClass.ReadOriginalRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ReadOriginalResponse>) responseObserver);
          break;
        case METHODID_GET_BATCH:
          serviceImpl.getBatch((ilios.v1.ConversionServiceOuterClass.GetBatchRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.GetBatchResponse>) responseObserver);
          break;
        case METHODID_DOWNLOAD_BATCH:
          serviceImpl.downloadBatch((ilios.v1.ConversionServiceOuterClass.DownloadBatchRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.DownloadBatchResponse>) responseObserver);
          break;
        case METHODID_LIST_DOCUMENTS:
          serviceImpl.listDocuments((ilios.v1.ConversionServiceOuterClass.ListDocumentsRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.ListDocumentsResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_UPLOAD:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.upload(
              (io.grpc.stub.StreamObserver<ilios.v1.ConversionServiceOuterClass.UploadResponse>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class ConversionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ConversionServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return ilios.v1.ConversionServiceOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ConversionService");
    }
  }

  private static final class ConversionServiceFileDescriptorSupplier
      extends ConversionServiceBaseDescriptorSupplier {
    ConversionServiceFileDescriptorSupplier() {}
  }

  private static final class ConversionServiceMethodDescriptorSupplier
      extends ConversionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    ConversionServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (ConversionServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ConversionServiceFileDescriptorSupplier())
              .addMethod(getConvertMethod())
              .addMethod(getUploadMethod())
              .addMethod(getDeleteUploadMethod())
              .addMethod(getReserveUploadMethod())
              .addMethod(getCompleteUploadMethod())
              .addMethod(getBatchSubmitMethod())
              .addMethod(getSubmitDocumentMethod())
              .addMethod(getGetDocumentMethod())
              .addMethod(getGetDocumentContentMethod())
              .addMethod(getReadOriginalMethod())
              .addMethod(getGetBatchMethod())
              .addMethod(getDownloadBatchMethod())
              .addMethod(getListDocumentsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
