package dev.grpcloop.generator;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes the {@code XxxLoop} class of one service: the server interface {@code Service}, its
 * {@code ImplBase}, {@code bindService} and the client {@code Stub}.
 *
 * <p>Like grpc-java's generated code it names the classes of Java and grpc by their fully
 * qualified names ({@code java.lang.} included), so that no message class of the same package can
 * shadow them. The adapter's types are imported, from the package given as the plugin parameter;
 * the message classes go by their simple names (imported from other packages) where no other type
 * the generated class uses has that name, else by their fully qualified names.
 */
final class ServiceGenerator {
  /** The suffix of the generated class's name: {@code EchoService} gives {@code EchoServiceLoop}. */
  static final String CLASS_SUFFIX = "Loop";

  /** The simple names that the generated class uses for types other than the messages. */
  private static final Set<String> RESERVED_SIMPLE_NAMES = Set.of(
      "Service", "ImplBase", "Stub", "StubFactory",
      "BlockingClientCalls", "BlockingServerCalls", "ClientRecvStream", "ClientSendStream",
      "ClientStream", "ClientUnaryCall", "ServerCallScope", "ServerRecvStream",
      "ServerSendStream", "ServerStream");

  /** The four kinds of RPC, with the adapter's types that each side of a call gets. */
  enum Kind {
    UNARY("unary", "unary", "ServerCallScope", "ClientUnaryCall"),
    SERVER_STREAMING(
        "server-streaming", "serverStreaming", "ServerSendStream", "ClientRecvStream"),
    CLIENT_STREAMING(
        "client-streaming", "clientStreaming", "ServerRecvStream", "ClientSendStream"),
    BIDI_STREAMING("bidirectional-streaming", "bidiStreaming", "ServerStream", "ClientStream");

    final String description;
    final String adapterMethod;
    /** The adapter's type that a handler of this kind gets. */
    final String serverType;
    /** The adapter's type of a client's call of this kind (unary: with metadata). */
    final String clientType;

    Kind(String description, String adapterMethod, String serverType, String clientType) {
      this.description = description;
      this.adapterMethod = adapterMethod;
      this.serverType = serverType;
      this.clientType = clientType;
    }

    static Kind of(MethodDescriptorProto method) {
      if (method.getClientStreaming()) {
        return method.getServerStreaming() ? BIDI_STREAMING : CLIENT_STREAMING;
      }
      return method.getServerStreaming() ? SERVER_STREAMING : UNARY;
    }
  }

  /** What is needed of one RPC. */
  private record Rpc(
      MethodDescriptorProto proto,
      Kind kind,
      String javaName,
      String getter,
      String request,
      String response,
      List<String> comment) {
    String types() {
      return request + ", " + response;
    }
  }

  private final FileDescriptorProto file;
  private final ServiceDescriptorProto service;
  private final JavaNames names;
  private final String adapterPackage;
  private final String javaPackage;
  private final String className;
  private final String grpcClass;
  private final String fullServiceName;
  private final List<Rpc> rpcs = new ArrayList<>();
  private final List<String> serviceComment;
  /** The short names of the top-level message classes named by them, by qualified name. */
  private final Map<String, String> topLevelNames = new HashMap<>();
  private final TreeSet<String> messageImports = new TreeSet<>();
  private boolean usesDeprecatedMessages;

  ServiceGenerator(FileDescriptorProto file, int serviceIndex, JavaNames names,
      String adapterPackage) {
    this.file = file;
    this.service = file.getService(serviceIndex);
    this.names = names;
    this.adapterPackage = adapterPackage;
    this.javaPackage = JavaNames.javaPackage(file);
    this.className = service.getName() + CLASS_SUFFIX;
    this.grpcClass = JavaNames.grpcClassName(service);
    this.fullServiceName = file.getPackage().isEmpty()
        ? service.getName()
        : file.getPackage() + "." + service.getName();
    Map<List<Integer>, SourceCodeInfo.Location> comments = comments(file);
    this.serviceComment =
        comment(comments, List.of(FileDescriptorProto.SERVICE_FIELD_NUMBER, serviceIndex));
    List<JavaNames.MessageClass> referenced = new ArrayList<>();
    for (MethodDescriptorProto method : service.getMethodList()) {
      referenced.add(names.message(method.getInputType()));
      referenced.add(names.message(method.getOutputType()));
    }
    chooseTypeNames(referenced);
    for (int i = 0; i < service.getMethodCount(); i++) {
      MethodDescriptorProto method = service.getMethod(i);
      JavaNames.MessageClass request = names.message(method.getInputType());
      JavaNames.MessageClass response = names.message(method.getOutputType());
      usesDeprecatedMessages |= request.deprecated() || response.deprecated();
      rpcs.add(new Rpc(method, Kind.of(method), JavaNames.methodName(method.getName()),
          JavaNames.descriptorGetterName(method.getName()), typeName(request),
          typeName(response),
          comment(comments, List.of(FileDescriptorProto.SERVICE_FIELD_NUMBER, serviceIndex,
              ServiceDescriptorProto.METHOD_FIELD_NUMBER, i))));
    }
  }

  /**
   * Chooses how the generated class names each message class it uses, by the class's top-level
   * class: a class of the same package by its simple name, one of another package by its simple
   * name and an import, unless the simple name is taken (by a type of the generated class, its
   * nested types, the adapter's imported ones, the stub's inherited {@code StubFactory}, grpc-java's
   * class, a message class of the same package, or another imported one): then fully qualified.
   */
  private void chooseTypeNames(List<JavaNames.MessageClass> referenced) {
    Set<String> taken = new HashSet<>(RESERVED_SIMPLE_NAMES);
    taken.add(className);
    taken.add(grpcClass);
    Map<String, Set<String>> otherPackageClasses = new HashMap<>();
    for (JavaNames.MessageClass m : referenced) {
      String topLevel = JavaNames.qualify(m.javaPackage(), m.topLevelName());
      if (m.javaPackage().equals(javaPackage)) {
        if (!taken.contains(m.topLevelName())) {
          topLevelNames.put(topLevel, m.topLevelName());
        }
      } else if (!m.javaPackage().isEmpty()) {
        otherPackageClasses.computeIfAbsent(m.topLevelName(), k -> new HashSet<>()).add(topLevel);
      }
    }
    taken.addAll(topLevelNames.values());
    otherPackageClasses.forEach((simpleName, classes) -> {
      if (classes.size() == 1 && !taken.contains(simpleName)) {
        String topLevel = classes.iterator().next();
        topLevelNames.put(topLevel, simpleName);
        messageImports.add(topLevel);
      }
    });
  }

  /** How the generated class names a message's class; see {@link #chooseTypeNames}. */
  private String typeName(JavaNames.MessageClass message) {
    String shortName = topLevelNames.get(
        JavaNames.qualify(message.javaPackage(), message.topLevelName()));
    if (shortName == null) {
      return message.javaName();
    }
    return shortName + message.nameInPackage().substring(message.topLevelName().length());
  }

  /** The path of the generated file, relative to the output directory. */
  String fileName() {
    String dir = javaPackage.isEmpty() ? "" : javaPackage.replace('.', '/') + "/";
    return dir + className + ".java";
  }

  String generate() {
    SourceWriter w = new SourceWriter();
    w.line("// Generated by the grpc-loop protoc plugin (dev.grpcloop.generator). Do not edit.");
    w.line("// Source: " + file.getName());
    w.blank();
    if (!javaPackage.isEmpty()) {
      w.line("package " + javaPackage + ";");
      w.blank();
    }
    TreeSet<String> imports = new TreeSet<>(messageImports);
    for (String type : adapterTypes()) {
      imports.add(JavaNames.qualify(adapterPackage, type));
    }
    for (String type : imports) {
      w.line("import " + type + ";");
    }
    w.blank();
    writeClassDoc(w);
    deprecatedAnnotation(w);
    if (usesDeprecatedMessages) {
      w.line("@java.lang.SuppressWarnings(\"deprecation\")");
    }
    w.open("public final class " + className);
    w.line("private " + className + "() {}");
    w.blank();
    w.javadoc(new Doc().p("The service's full name, {@value}."));
    w.line("public static final java.lang.String SERVICE_NAME = \"" + fullServiceName + "\";");
    w.blank();
    writeServiceInterface(w);
    w.blank();
    writeImplBase(w);
    w.blank();
    writeBindService(w);
    w.blank();
    writeNewStub(w);
    w.blank();
    writeStub(w);
    w.close("}");
    return w.toString();
  }

  private TreeSet<String> adapterTypes() {
    TreeSet<String> types = new TreeSet<>();
    types.add("BlockingServerCalls");
    for (Rpc rpc : rpcs) {
      types.add("BlockingClientCalls");
      types.add(rpc.kind.serverType);
      types.add(rpc.kind.clientType);
    }
    return types;
  }

  private void writeClassDoc(SourceWriter w) {
    w.javadoc(new Doc()
        .p("The blocking (recv/send loop) API of the service {@code " + fullServiceName + "}: a"
            + " server interface, {@link Service}, and a client stub, {@link Stub}, on grpc-java's"
            + " {@link " + grpcClass + "} and the adapter in {@code " + adapterPackage + "}.")
        .p("Server: implement {@link Service}, whose methods answer {@code UNIMPLEMENTED} until"
            + " overridden, and add {@link #bindService(Service) bindService(impl)} to a server, or"
            + " extend {@link ImplBase} and add the instance itself. Each call runs its method on a"
            + " thread of its own (a virtual thread unless {@link BlockingServerCalls.Options} say"
            + " otherwise), in plain sequential code that blocks on {@code recv} and {@code"
            + " send}.")
        .p("Client: {@link #newStub newStub(channel)}, then one method per RPC; the stub's {@code"
            + " with...} methods return copies with other call options (deadline, interceptors,"
            + " ...).")
        .pre(serviceComment));
  }

  private void writeServiceInterface(SourceWriter w) {
    Doc doc = new Doc()
        .p("The server side of {@code " + fullServiceName + "}: one method per RPC, each called"
            + " on a thread of its own per call. Returning ends the call with {@code OK};"
            + " throwing a {@link io.grpc.StatusException} or {@link"
            + " io.grpc.StatusRuntimeException} ends it with that status and its trailers, any"
            + " other exception with {@code UNKNOWN}. A method not overridden answers {@code"
            + " UNIMPLEMENTED}.");
    if (!rpcs.isEmpty()) {
      doc.p("Mark each method you implement with {@code @Override}: the compiler's check that a"
          + " method has its RPC's kind depends on it. Every method here has a default, so one"
          + " whose parameter or return types are not its RPC's (a server-streaming handler"
          + " written with a {@code ServerStream}, say) would compile as a method of its own"
          + " and leave the RPC answering {@code UNIMPLEMENTED}; with {@code @Override}, javac"
          + " rejects it (\"method does not override or implement a method from a"
          + " supertype\").");
    }
    w.javadoc(doc);
    deprecatedAnnotation(w);
    w.open("public interface Service");
    boolean first = true;
    for (Rpc rpc : rpcs) {
      if (!first) {
        w.blank();
      }
      first = false;
      writeServerMethod(w, rpc);
    }
    w.close("}");
  }

  private void writeServerMethod(SourceWriter w, Rpc rpc) {
    String name = "{@code " + rpc.proto.getName() + "}";
    Doc doc = new Doc();
    List<String> params;
    String returns;
    switch (rpc.kind) {
      case UNARY -> {
        doc.p("Handles a call of the unary " + name + ": returns the response to {@code"
                + " request}.")
            .pre(rpc.comment)
            .tag("@param request the client's request")
            .tag("@param call the call's headers, trailers, deadline and cancellation")
            .tag("@return the response");
        params = List.of(rpc.request + " request", "ServerCallScope call");
        returns = rpc.response;
      }
      case SERVER_STREAMING -> {
        doc.p("Handles a call of the server-streaming " + name + ": {@link ServerSendStream#send"
                + " sends} the responses to {@code request}; returning ends the call.")
            .pre(rpc.comment)
            .tag("@param request the client's request")
            .tag("@param responses where to send the responses; the call's metadata");
        params = List.of(rpc.request + " request",
            "ServerSendStream<" + rpc.response + "> responses");
        returns = "void";
      }
      case CLIENT_STREAMING -> {
        doc.p("Handles a call of the client-streaming " + name + ": {@link ServerRecvStream#recv"
                + " receives} the requests until {@code null} (the client's end of stream), then"
                + " returns the response.")
            .pre(rpc.comment)
            .tag("@param requests where to receive the requests from; the call's metadata")
            .tag("@return the response");
        params = List.of("ServerRecvStream<" + rpc.request + "> requests");
        returns = rpc.response;
      }
      default -> {
        doc.p("Handles a call of the bidirectional-streaming " + name + ": {@link"
                + " ServerStream#recv receives} the requests until {@code null} (the client's end"
                + " of stream) and {@link ServerStream#send sends} responses, in any order;"
                + " returning ends the call.")
            .pre(rpc.comment)
            .tag("@param stream the call's requests and responses; its metadata");
        params = List.of("ServerStream<" + rpc.types() + "> stream");
        returns = "void";
      }
    }
    doc.tag("@throws java.lang.Exception to end the call with an error status, as {@link Service}"
        + " says");
    w.javadoc(doc);
    deprecatedAnnotation(w, rpc);
    w.wrapped("default " + returns + " " + rpc.javaName, params, " throws java.lang.Exception {");
    w.in();
    w.line("throw io.grpc.Status.UNIMPLEMENTED");
    w.line("    .withDescription(\"Method " + fullServiceName + "/" + rpc.proto.getName()
        + " is unimplemented\")");
    w.line("    .asException();");
    w.close("}");
  }

  private void writeImplBase(SourceWriter w) {
    w.javadoc(new Doc()
        .p("A {@link Service} that is also an {@link io.grpc.BindableService}, for {@code"
            + " ServerBuilder.addService}: extend it and override the methods of the RPCs to"
            + (rpcs.isEmpty() ? " serve." : " serve, each with {@code @Override}, as {@link"
                + " Service} says.")));
    deprecatedAnnotation(w);
    w.open("public abstract static class ImplBase implements Service, io.grpc.BindableService");
    w.javadoc(new Doc().p("This service, bound with {@link " + className
        + "#bindService(Service)}."));
    w.line("@java.lang.Override");
    w.open("public final io.grpc.ServerServiceDefinition bindService()");
    w.line("return " + className + ".bindService(this);");
    w.close("}");
    w.close("}");
  }

  private void writeBindService(SourceWriter w) {
    w.javadoc(new Doc()
        .p("The service definition of {@code impl}, each call on a virtual thread of its own.")
        .tag("@param impl the implementation")
        .tag("@return the definition to add to a server"));
    w.open("public static io.grpc.ServerServiceDefinition bindService(Service impl)");
    w.line("return bindService(impl, BlockingServerCalls.Options.DEFAULT);");
    w.close("}");
    w.blank();
    w.javadoc(new Doc()
        .p("The service definition of {@code impl}, its calls run as {@code options} say.")
        .tag("@param impl the implementation")
        .tag("@param options the threads and buffer limits of every method's calls")
        .tag("@return the definition to add to a server"));
    w.wrapped("public static io.grpc.ServerServiceDefinition bindService",
        List.of("Service impl", "BlockingServerCalls.Options options"), " {");
    w.in();
    w.line("java.util.Objects.requireNonNull(impl, \"impl\");");
    w.line("java.util.Objects.requireNonNull(options, \"options\");");
    if (rpcs.isEmpty()) {
      w.line("return BlockingServerCalls.service(" + grpcClass + ".getServiceDescriptor());");
    } else {
      w.line("return BlockingServerCalls.service(");
      w.line("    " + grpcClass + ".getServiceDescriptor(),");
      w.in().in();
      for (int i = 0; i < rpcs.size(); i++) {
        Rpc rpc = rpcs.get(i);
        w.wrapped("BlockingServerCalls." + rpc.kind.adapterMethod,
            List.of(grpcClass + "." + rpc.getter + "()", "impl::" + rpc.javaName, "options"),
            i == rpcs.size() - 1 ? ");" : ",");
      }
      w.out().out();
    }
    w.close("}");
  }

  private void writeNewStub(SourceWriter w) {
    w.javadoc(new Doc()
        .p("A client stub of the service on {@code channel}, with default call options.")
        .tag("@param channel the channel to make the calls on")
        .tag("@return the stub"));
    w.open("public static Stub newStub(io.grpc.Channel channel)");
    w.line("return new Stub(channel, io.grpc.CallOptions.DEFAULT);");
    w.close("}");
  }

  private void writeStub(SourceWriter w) {
    Doc doc = new Doc()
        .p("The client side of {@code " + fullServiceName + "}: one method per RPC, in blocking"
            + " style. A stub is immutable and may be shared by threads; its {@code with...}"
            + " methods (deadline, compression, interceptors, call options) return a copy. A"
            + " deadline set with {@code withDeadlineAfter} is fixed when that method is called,"
            + " as with grpc-java's stubs: make such a copy per call.");
    if (!rpcs.isEmpty()) {
      doc.p("A streaming method returns its call at once, without blocking, typed by the RPC's"
          + " kind as in grpc-go: a server-streaming call can only {@code recv}, a"
          + " client-streaming call can {@code send} and then {@code closeAndRecv}, a"
          + " bidirectional one can {@code send}, {@code recv} and {@code closeSend}; so the"
          + " compiler rejects a {@code send} on a server-streaming call and a {@code recv} on"
          + " a client-streaming one. Close the call (try-with-resources) to release it, which"
          + " cancels it if it is still running. The adapter's own call options go in with"
          + " {@code withOption}, such as {@link BlockingClientCalls#MAX_BUFFERED_BYTES}.");
    }
    w.javadoc(doc);
    deprecatedAnnotation(w);
    w.open("public static final class Stub extends io.grpc.stub.AbstractStub<Stub>");
    w.open("private Stub(io.grpc.Channel channel, io.grpc.CallOptions callOptions)");
    w.line("super(channel, callOptions);");
    w.close("}");
    w.blank();
    w.line("@java.lang.Override");
    w.open("protected Stub build(io.grpc.Channel channel, io.grpc.CallOptions callOptions)");
    w.line("return new Stub(channel, callOptions);");
    w.close("}");
    for (Rpc rpc : rpcs) {
      w.blank();
      writeClientMethods(w, rpc);
    }
    w.close("}");
  }

  private void writeClientMethods(SourceWriter w, Rpc rpc) {
    String method = grpcClass + "." + rpc.getter + "()";
    String name = "{@code " + rpc.proto.getName() + "}";
    String stream = switch (rpc.kind) {
      case UNARY, SERVER_STREAMING -> rpc.kind.clientType + "<" + rpc.response + ">";
      case CLIENT_STREAMING, BIDI_STREAMING -> rpc.kind.clientType + "<" + rpc.types() + ">";
    };
    String headers = "@param headers the request headers to send";
    String metadata = "io.grpc.Metadata";
    switch (rpc.kind) {
      case UNARY -> {
        String throwsClause = " throws java.lang.InterruptedException, io.grpc.StatusException {";
        String statusDoc = "@throws io.grpc.StatusException if the call failed: the server's"
            + " status, or one such as {@code DEADLINE_EXCEEDED} or {@code UNAVAILABLE}";
        String interruptDoc = "@throws java.lang.InterruptedException if interrupted while"
            + " waiting; the call is then cancelled";
        w.javadoc(new Doc()
            .p("Calls the unary " + name + " and waits for its response.")
            .pre(rpc.comment)
            .tag("@param request the request")
            .tag("@return the response")
            .tag(statusDoc)
            .tag(interruptDoc));
        deprecatedAnnotation(w, rpc);
        w.wrapped("public " + rpc.response + " " + rpc.javaName,
            List.of(rpc.request + " request"), throwsClause);
        w.in();
        w.wrapped("return BlockingClientCalls.unary",
            List.of("getChannel()", method, "getCallOptions()", "request"), ";");
        w.close("}");
        w.blank();
        w.javadoc(new Doc()
            .p("Calls the unary " + name + " with request headers and waits for its response.")
            .tag("@param request the request")
            .tag(headers)
            .tag("@return the response")
            .tag(statusDoc)
            .tag(interruptDoc));
        deprecatedAnnotation(w, rpc);
        w.wrapped("public " + rpc.response + " " + rpc.javaName,
            List.of(rpc.request + " request", metadata + " headers"), throwsClause);
        w.in();
        w.wrapped("try (" + stream + " call = BlockingClientCalls.unaryCall",
            List.of("getChannel()", method, "getCallOptions()", "headers", "request"), ") {");
        w.line("  return call.response();");
        w.line("}");
        w.close("}");
      }
      case SERVER_STREAMING -> {
        w.javadoc(new Doc()
            .p("Starts a call of the server-streaming " + name + ": sends {@code request} and"
                + " returns the stream to {@link ClientRecvStream#recv receive} the responses"
                + " from, until {@code null}.")
            .pre(rpc.comment)
            .tag("@param request the request")
            .tag("@return the call, to close when done"));
        deprecatedAnnotation(w, rpc);
        w.wrapped("public " + stream + " " + rpc.javaName, List.of(rpc.request + " request"),
            " {");
        w.in();
        w.wrapped("return this." + rpc.javaName, List.of("request", "new " + metadata + "()"),
            ";");
        w.close("}");
        w.blank();
        w.javadoc(new Doc()
            .p("Starts a call of the server-streaming " + name + " with request headers, as"
                + " {@link #" + rpc.javaName + "(" + rpc.request + ")} does.")
            .tag("@param request the request")
            .tag(headers)
            .tag("@return the call, to close when done"));
        deprecatedAnnotation(w, rpc);
        w.wrapped("public " + stream + " " + rpc.javaName,
            List.of(rpc.request + " request", metadata + " headers"), " {");
        w.in();
        w.wrapped("return BlockingClientCalls.serverStreaming",
            List.of("getChannel()", method, "getCallOptions()", "headers", "request"), ";");
        w.close("}");
      }
      default -> {
        String kind = rpc.kind == Kind.BIDI_STREAMING
            ? "bidirectional-streaming " + name + ": {@link ClientStream#send send} requests and"
                + " {@link ClientStream#recv receive} responses, in any order, and {@link"
                + " ClientStream#closeSend} after the last request."
            : "client-streaming " + name + ": {@link ClientSendStream#send send} the requests,"
                + " then {@link ClientSendStream#closeAndRecv} the response.";
        w.javadoc(new Doc()
            .p("Starts a call of the " + kind)
            .pre(rpc.comment)
            .tag("@return the call, to close when done"));
        deprecatedAnnotation(w, rpc);
        w.wrapped("public " + stream + " " + rpc.javaName, List.of(), " {");
        w.in();
        w.line("return this." + rpc.javaName + "(new " + metadata + "());");
        w.close("}");
        w.blank();
        w.javadoc(new Doc()
            .p("Starts a call of the " + rpc.kind.description + " " + name + " with request"
                + " headers, as {@link #" + rpc.javaName + "()} does.")
            .tag(headers)
            .tag("@return the call, to close when done"));
        deprecatedAnnotation(w, rpc);
        w.wrapped("public " + stream + " " + rpc.javaName, List.of(metadata + " headers"), " {");
        w.in();
        w.wrapped("return BlockingClientCalls." + rpc.kind.adapterMethod,
            List.of("getChannel()", method, "getCallOptions()", "headers"), ";");
        w.close("}");
      }
    }
  }

  private void deprecatedAnnotation(SourceWriter w) {
    if (service.getOptions().getDeprecated()) {
      w.line("@java.lang.Deprecated");
    }
  }

  private static void deprecatedAnnotation(SourceWriter w, Rpc rpc) {
    if (rpc.proto.getOptions().getDeprecated()) {
      w.line("@java.lang.Deprecated");
    }
  }

  private static Map<List<Integer>, SourceCodeInfo.Location> comments(FileDescriptorProto file) {
    Map<List<Integer>, SourceCodeInfo.Location> byPath = new java.util.HashMap<>();
    for (SourceCodeInfo.Location location : file.getSourceCodeInfo().getLocationList()) {
      byPath.putIfAbsent(location.getPathList(), location);
    }
    return byPath;
  }

  /**
   * The preformatted doc lines of the .proto comment at {@code path}: its leading comment, else
   * its trailing one (as grpc-java's plugin takes them); none without either.
   */
  private static List<String> comment(Map<List<Integer>, SourceCodeInfo.Location> comments,
      List<Integer> path) {
    SourceCodeInfo.Location location = comments.get(path);
    if (location == null) {
      return List.of();
    }
    String text = location.getLeadingComments().isEmpty()
        ? location.getTrailingComments()
        : location.getLeadingComments();
    return Javadoc.preformatted(text);
  }
}
