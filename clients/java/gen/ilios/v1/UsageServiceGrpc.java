package ilios.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Reports what conversions cost. Money is exact: micro-dollars
 * (1 USD = 1,000,000) and whole cents, never floating point.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: ilios/v1/usage_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class UsageServiceGrpc {

  private UsageServiceGrpc() {}

  public static final String SERVICE_NAME = "ilios.v1.UsageService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest,
      ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse> getGetUsageSummaryMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetUsageSummary",
      requestType = ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest.class,
      responseType = ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest,
      ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse> getGetUsageSummaryMethod() {
    io.grpc.MethodDescriptor<ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest, ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse> getGetUsageSummaryMethod;
    if ((getGetUsageSummaryMethod = UsageServiceGrpc.getGetUsageSummaryMethod) == null) {
      synchronized (UsageServiceGrpc.class) {
        if ((getGetUsageSummaryMethod = UsageServiceGrpc.getGetUsageSummaryMethod) == null) {
          UsageServiceGrpc.getGetUsageSummaryMethod = getGetUsageSummaryMethod =
              io.grpc.MethodDescriptor.<ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest, ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetUsageSummary"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UsageServiceMethodDescriptorSupplier("GetUsageSummary"))
              .build();
        }
      }
    }
    return getGetUsageSummaryMethod;
  }

  private static volatile io.grpc.MethodDescriptor<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest,
      ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse> getGetUsageBreakdownMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetUsageBreakdown",
      requestType = ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest.class,
      responseType = ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest,
      ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse> getGetUsageBreakdownMethod() {
    io.grpc.MethodDescriptor<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest, ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse> getGetUsageBreakdownMethod;
    if ((getGetUsageBreakdownMethod = UsageServiceGrpc.getGetUsageBreakdownMethod) == null) {
      synchronized (UsageServiceGrpc.class) {
        if ((getGetUsageBreakdownMethod = UsageServiceGrpc.getGetUsageBreakdownMethod) == null) {
          UsageServiceGrpc.getGetUsageBreakdownMethod = getGetUsageBreakdownMethod =
              io.grpc.MethodDescriptor.<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest, ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetUsageBreakdown"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse.getDefaultInstance()))
              .setSchemaDescriptor(new UsageServiceMethodDescriptorSupplier("GetUsageBreakdown"))
              .build();
        }
      }
    }
    return getGetUsageBreakdownMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static UsageServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<UsageServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<UsageServiceStub>() {
        @java.lang.Override
        public UsageServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new UsageServiceStub(channel, callOptions);
        }
      };
    return UsageServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static UsageServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<UsageServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<UsageServiceBlockingStub>() {
        @java.lang.Override
        public UsageServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new UsageServiceBlockingStub(channel, callOptions);
        }
      };
    return UsageServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static UsageServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<UsageServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<UsageServiceFutureStub>() {
        @java.lang.Override
        public UsageServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new UsageServiceFutureStub(channel, callOptions);
        }
      };
    return UsageServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Reports what conversions cost. Money is exact: micro-dollars
   * (1 USD = 1,000,000) and whole cents, never floating point.
   * </pre>
   */
  public static abstract class UsageServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Totals over a time range.
     * </pre>
     */
    public void getUsageSummary(ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetUsageSummaryMethod(), responseObserver);
    }

    /**
     * <pre>
     * Totals grouped by day, engine and API key.
     * </pre>
     */
    public void getUsageBreakdown(ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetUsageBreakdownMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getGetUsageSummaryMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest,
                ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse>(
                  this, METHODID_GET_USAGE_SUMMARY)))
          .addMethod(
            getGetUsageBreakdownMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest,
                ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse>(
                  this, METHODID_GET_USAGE_BREAKDOWN)))
          .build();
    }
  }

  /**
   * <pre>
   * Reports what conversions cost. Money is exact: micro-dollars
   * (1 USD = 1,000,000) and whole cents, never floating point.
   * </pre>
   */
  public static final class UsageServiceStub extends io.grpc.stub.AbstractAsyncStub<UsageServiceStub> {
    private UsageServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected UsageServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new UsageServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Totals over a time range.
     * </pre>
     */
    public void getUsageSummary(ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetUsageSummaryMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Totals grouped by day, engine and API key.
     * </pre>
     */
    public void getUsageBreakdown(ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetUsageBreakdownMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Reports what conversions cost. Money is exact: micro-dollars
   * (1 USD = 1,000,000) and whole cents, never floating point.
   * </pre>
   */
  public static final class UsageServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<UsageServiceBlockingStub> {
    private UsageServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected UsageServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new UsageServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Totals over a time range.
     * </pre>
     */
    public ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse getUsageSummary(ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetUsageSummaryMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Totals grouped by day, engine and API key.
     * </pre>
     */
    public ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse getUsageBreakdown(ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetUsageBreakdownMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Reports what conversions cost. Money is exact: micro-dollars
   * (1 USD = 1,000,000) and whole cents, never floating point.
   * </pre>
   */
  public static final class UsageServiceFutureStub extends io.grpc.stub.AbstractFutureStub<UsageServiceFutureStub> {
    private UsageServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected UsageServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new UsageServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Totals over a time range.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse> getUsageSummary(
        ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetUsageSummaryMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Totals grouped by day, engine and API key.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse> getUsageBreakdown(
        ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetUsageBreakdownMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_USAGE_SUMMARY = 0;
  private static final int METHODID_GET_USAGE_BREAKDOWN = 1;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final UsageServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(UsageServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_GET_USAGE_SUMMARY:
          serviceImpl.getUsageSummary((ilios.v1.UsageServiceOuterClass.GetUsageSummaryRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.UsageServiceOuterClass.GetUsageSummaryResponse>) responseObserver);
          break;
        case METHODID_GET_USAGE_BREAKDOWN:
          serviceImpl.getUsageBreakdown((ilios.v1.UsageServiceOuterClass.GetUsageBreakdownRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.UsageServiceOuterClass.GetUsageBreakdownResponse>) responseObserver);
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
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class UsageServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    UsageServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return ilios.v1.UsageServiceOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("UsageService");
    }
  }

  private static final class UsageServiceFileDescriptorSupplier
      extends UsageServiceBaseDescriptorSupplier {
    UsageServiceFileDescriptorSupplier() {}
  }

  private static final class UsageServiceMethodDescriptorSupplier
      extends UsageServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    UsageServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (UsageServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new UsageServiceFileDescriptorSupplier())
              .addMethod(getGetUsageSummaryMethod())
              .addMethod(getGetUsageBreakdownMethod())
              .build();
        }
      }
    }
    return result;
  }
}
