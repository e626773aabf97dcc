package ilios.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Who is calling. A client can check its API key before it sends anything
 * large; the REST gateway does so before it reads a request's body.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: ilios/v1/access_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class AccessServiceGrpc {

  private AccessServiceGrpc() {}

  public static final String SERVICE_NAME = "ilios.v1.AccessService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<ilios.v1.AccessServiceOuterClass.GetCallerRequest,
      ilios.v1.AccessServiceOuterClass.GetCallerResponse> getGetCallerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetCaller",
      requestType = ilios.v1.AccessServiceOuterClass.GetCallerRequest.class,
      responseType = ilios.v1.AccessServiceOuterClass.GetCallerResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<ilios.v1.AccessServiceOuterClass.GetCallerRequest,
      ilios.v1.AccessServiceOuterClass.GetCallerResponse> getGetCallerMethod() {
    io.grpc.MethodDescriptor<ilios.v1.AccessServiceOuterClass.GetCallerRequest, ilios.v1.AccessServiceOuterClass.GetCallerResponse> getGetCallerMethod;
    if ((getGetCallerMethod = AccessServiceGrpc.getGetCallerMethod) == null) {
      synchronized (AccessServiceGrpc.class) {
        if ((getGetCallerMethod = AccessServiceGrpc.getGetCallerMethod) == null) {
          AccessServiceGrpc.getGetCallerMethod = getGetCallerMethod =
              io.grpc.MethodDescriptor.<ilios.v1.AccessServiceOuterClass.GetCallerRequest, ilios.v1.AccessServiceOuterClass.GetCallerResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetCaller"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.AccessServiceOuterClass.GetCallerRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  ilios.v1.AccessServiceOuterClass.GetCallerResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AccessServiceMethodDescriptorSupplier("GetCaller"))
              .build();
        }
      }
    }
    return getGetCallerMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AccessServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AccessServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AccessServiceStub>() {
        @java.lang.Override
        public AccessServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AccessServiceStub(channel, callOptions);
        }
      };
    return AccessServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AccessServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AccessServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AccessServiceBlockingStub>() {
        @java.lang.Override
        public AccessServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AccessServiceBlockingStub(channel, callOptions);
        }
      };
    return AccessServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AccessServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AccessServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AccessServiceFutureStub>() {
        @java.lang.Override
        public AccessServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AccessServiceFutureStub(channel, callOptions);
        }
      };
    return AccessServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Who is calling. A client can check its API key before it sends anything
   * large; the REST gateway does so before it reads a request's body.
   * </pre>
   */
  public static abstract class AccessServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * The caller's identity under the key it sent (metadata
     * `authorization: Bearer KEY`); UNAUTHENTICATED without a valid one.
     * </pre>
     */
    public void getCaller(ilios.v1.AccessServiceOuterClass.GetCallerRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.AccessServiceOuterClass.GetCallerResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetCallerMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getGetCallerMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                ilios.v1.AccessServiceOuterClass.GetCallerRequest,
                ilios.v1.AccessServiceOuterClass.GetCallerResponse>(
                  this, METHODID_GET_CALLER)))
          .build();
    }
  }

  /**
   * <pre>
   * Who is calling. A client can check its API key before it sends anything
   * large; the REST gateway does so before it reads a request's body.
   * </pre>
   */
  public static final class AccessServiceStub extends io.grpc.stub.AbstractAsyncStub<AccessServiceStub> {
    private AccessServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AccessServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AccessServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * The caller's identity under the key it sent (metadata
     * `authorization: Bearer KEY`); UNAUTHENTICATED without a valid one.
     * </pre>
     */
    public void getCaller(ilios.v1.AccessServiceOuterClass.GetCallerRequest request,
        io.grpc.stub.StreamObserver<ilios.v1.AccessServiceOuterClass.GetCallerResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetCallerMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Who is calling. A client can check its API key before it sends anything
   * large; the REST gateway does so before it reads a request's body.
   * </pre>
   */
  public static final class AccessServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<AccessServiceBlockingStub> {
    private AccessServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AccessServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AccessServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * The caller's identity under the key it sent (metadata
     * `authorization: Bearer KEY`); UNAUTHENTICATED without a valid one.
     * </pre>
     */
    public ilios.v1.AccessServiceOuterClass.GetCallerResponse getCaller(ilios.v1.AccessServiceOuterClass.GetCallerRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetCallerMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Who is calling. A client can check its API key before it sends anything
   * large; the REST gateway does so before it reads a request's body.
   * </pre>
   */
  public static final class AccessServiceFutureStub extends io.grpc.stub.AbstractFutureStub<AccessServiceFutureStub> {
    private AccessServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AccessServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AccessServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * The caller's identity under the key it sent (metadata
     * `authorization: Bearer KEY`); UNAUTHENTICATED without a valid one.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<ilios.v1.AccessServiceOuterClass.GetCallerResponse> getCaller(
        ilios.v1.AccessServiceOuterClass.GetCallerRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetCallerMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_CALLER = 0;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AccessServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(AccessServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_GET_CALLER:
          serviceImpl.getCaller((ilios.v1.AccessServiceOuterClass.GetCallerRequest) request,
              (io.grpc.stub.StreamObserver<ilios.v1.AccessServiceOuterClass.GetCallerResponse>) responseObserver);
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

  private static abstract class AccessServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AccessServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return ilios.v1.AccessServiceOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AccessService");
    }
  }

  private static final class AccessServiceFileDescriptorSupplier
      extends AccessServiceBaseDescriptorSupplier {
    AccessServiceFileDescriptorSupplier() {}
  }

  private static final class AccessServiceMethodDescriptorSupplier
      extends AccessServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    AccessServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (AccessServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AccessServiceFileDescriptorSupplier())
              .addMethod(getGetCallerMethod())
              .build();
        }
      }
    }
    return result;
  }
}
