package dev.grpcloop.generator;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The protoc plugin {@code protoc-gen-grpc-loop}: for each service of each file to generate, one
 * class {@code <Service>Loop} beside grpc-java's {@code <Service>Grpc}, in the same Java package,
 * with the service's blocking server interface and client stub on the grpc-loop adapter.
 *
 * <p>protoc runs it as a subprocess: it reads a {@link CodeGeneratorRequest} on standard input and
 * writes a {@link CodeGeneratorResponse} on standard output. grpc-java's plugin must run in the
 * same build: the generated code uses its method descriptors.
 *
 * <p>Parameter (protoc's {@code --grpc-loop_opt}, the protobuf Maven plugin's {@code <options>}):
 * comma-separated {@code key=value} pairs; the only key is {@code adapterPackage}, the package of
 * the adapter's classes, {@value #DEFAULT_ADAPTER_PACKAGE} unless given, for an adapter copied
 * under a package of one's own.
 *
 * <p>Runs on Java 17 and later, and needs only protobuf-java.
 */
public final class LoopGenerator {
  /** The adapter's package in this project. */
  public static final String DEFAULT_ADAPTER_PACKAGE = "dev.grpcloop.adapter";

  private LoopGenerator() {}

  /**
   * Reads one request from standard input, writes the response to standard output.
   *
   * @param args none
   * @throws IOException if either stream fails
   */
  public static void main(String[] args) throws IOException {
    InputStream in = System.in;
    OutputStream out = System.out;
    // Nothing else may write to standard output: it carries the response.
    System.setOut(System.err);
    CodeGeneratorRequest request = CodeGeneratorRequest.parseFrom(in);
    generate(request).writeTo(out);
    out.flush();
  }

  /**
   * The files for {@code request}; an error in the response (never an exception) when its
   * parameter or its files cannot be generated from.
   *
   * @param request what protoc sends
   * @return what protoc expects back
   */
  public static CodeGeneratorResponse generate(CodeGeneratorRequest request) {
    CodeGeneratorResponse.Builder response = CodeGeneratorResponse.newBuilder()
        .setSupportedFeatures(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE);
    String adapterPackage;
    try {
      adapterPackage = adapterPackage(request.getParameter());
    } catch (IllegalArgumentException e) {
      return response.setError(e.getMessage()).build();
    }
    Map<String, FileDescriptorProto> files = new HashMap<>();
    for (FileDescriptorProto file : request.getProtoFileList()) {
      files.put(file.getName(), file);
    }
    try {
      JavaNames names = new JavaNames(request.getProtoFileList());
      for (String name : request.getFileToGenerateList()) {
        FileDescriptorProto file = files.get(name);
        if (file == null) {
          throw new IllegalArgumentException(name + " is to be generated but was not sent");
        }
        for (int i = 0; i < file.getServiceCount(); i++) {
          ServiceGenerator service = new ServiceGenerator(file, i, names, adapterPackage);
          response.addFileBuilder().setName(service.fileName()).setContent(service.generate());
        }
      }
    } catch (IllegalArgumentException e) {
      return response.clearFile().setError(e.getMessage()).build();
    }
    return response.build();
  }

  /** The adapter package that {@code parameter} names, or the default. */
  static String adapterPackage(String parameter) {
    String adapterPackage = DEFAULT_ADAPTER_PACKAGE;
    if (parameter.isBlank()) {
      return adapterPackage;
    }
    for (String option : parameter.split(",")) {
      option = option.strip();
      if (option.isEmpty()) {
        continue;
      }
      int eq = option.indexOf('=');
      String key = (eq < 0 ? option : option.substring(0, eq)).strip();
      String value = eq < 0 ? "" : option.substring(eq + 1).strip();
      if (!key.equals("adapterPackage")) {
        throw new IllegalArgumentException("grpc-loop: unknown option \"" + key
            + "\"; the only option is adapterPackage=<the adapter's Java package>");
      }
      if (!JavaNames.isJavaPackageName(value)) {
        throw new IllegalArgumentException("grpc-loop: adapterPackage=\"" + value
            + "\" is not a Java package name");
      }
      adapterPackage = value;
    }
    return adapterPackage;
  }
}
