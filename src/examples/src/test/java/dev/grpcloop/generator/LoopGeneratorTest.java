package dev.grpcloop.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import dev.grpcloop.Repository;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The plugin's protocol, its parameter, and what it generates where, on the test protos. */
@Timeout(60)
class LoopGeneratorTest {
  private static final String KINDS = "looptest/kinds.proto";
  private static final String KINDS_LOOP = "dev/grpcloop/generator/test/kinds/KindsLoop.java";

  @Test
  void writesOneClassPerServiceBesideGrpcJavasInTheSamePackage() {
    Map<String, String> files = TestProtos.generate("");

    assertThat(files.keySet()).containsExactlyInAnyOrder(
        "dev/grpcloop/generator/test/kinds/KindsLoop.java",
        "dev/grpcloop/generator/test/kinds/KeywordsLoop.java",
        "dev/grpcloop/generator/test/kinds/NestingLoop.java",
        "dev/grpcloop/generator/test/kinds/ImportedLoop.java",
        "dev/grpcloop/generator/test/kinds/NothingLoop.java",
        "dev/grpcloop/generator/test/kinds/OldLoop.java",
        "dev/grpcloop/generator/test/kinds/AgingLoop.java",
        // No java_package: the proto package, as grpc-java's SingleGrpc.
        "looptest/single/SingleLoop.java");
    assertThat(files.get(KINDS_LOOP))
        .contains("package dev.grpcloop.generator.test.kinds;\n")
        .contains("public final class KindsLoop {");
  }

  @Test
  void generatesOnlyTheFilesToGenerate() {
    CodeGeneratorResponse response =
        LoopGenerator.generate(TestProtos.request("", List.of("looptest/common/common.proto")));

    assertThat(response.hasError()).isFalse();
    assertThat(response.getFileList()).isEmpty();
  }

  @Test
  void theDefaultAdapterPackageIsThisProjects() {
    String source = TestProtos.generate("").get(KINDS_LOOP);

    assertThat(imports(source)).containsExactly(
        "dev.grpcloop.adapter.BlockingClientCalls",
        "dev.grpcloop.adapter.BlockingServerCalls",
        "dev.grpcloop.adapter.ClientRecvStream",
        "dev.grpcloop.adapter.ClientSendStream",
        "dev.grpcloop.adapter.ClientStream",
        "dev.grpcloop.adapter.ClientUnaryCall",
        "dev.grpcloop.adapter.ServerCallScope",
        "dev.grpcloop.adapter.ServerRecvStream",
        "dev.grpcloop.adapter.ServerSendStream",
        "dev.grpcloop.adapter.ServerStream");
  }

  @Test
  void theAdapterPackageParameterMovesEveryAdapterImport() {
    Map<String, String> files = TestProtos.generate("adapterPackage=com.example.loop");

    assertThat(imports(files.get(KINDS_LOOP))).containsExactly(
        "com.example.loop.BlockingClientCalls",
        "com.example.loop.BlockingServerCalls",
        "com.example.loop.ClientRecvStream",
        "com.example.loop.ClientSendStream",
        "com.example.loop.ClientStream",
        "com.example.loop.ClientUnaryCall",
        "com.example.loop.ServerCallScope",
        "com.example.loop.ServerRecvStream",
        "com.example.loop.ServerSendStream",
        "com.example.loop.ServerStream");
    assertThat(imports(files.get("dev/grpcloop/generator/test/kinds/ImportedLoop.java")))
        .contains("com.example.loop.ClientStream", "com.google.protobuf.Empty",
            "dev.grpcloop.generator.test.common.Common");
    for (Map.Entry<String, String> file : files.entrySet()) {
      assertThat(file.getValue()).as(file.getKey()).doesNotContain("dev.grpcloop.adapter");
    }
  }

  @Test
  void theParameterMayHaveSpacesAndEmptyParts() {
    assertThat(LoopGenerator.adapterPackage(" adapterPackage = com.example.loop ,"))
        .isEqualTo("com.example.loop");
    assertThat(LoopGenerator.adapterPackage("")).isEqualTo("dev.grpcloop.adapter");
  }

  @Test
  void anUnknownOptionIsAnErrorThatNamesIt() {
    CodeGeneratorResponse response =
        LoopGenerator.generate(TestProtos.request("adapterPackge=x.y", List.of(KINDS)));

    assertThat(response.getError()).contains("unknown option \"adapterPackge\"")
        .contains("adapterPackage=");
    assertThat(response.getFileList()).isEmpty();
  }

  @Test
  void anAdapterPackageThatIsNoJavaPackageIsAnError() {
    for (String bad : List.of("", "com..loop", "com.example.", "com.new.loop", "1com.loop",
        "com.example-loop")) {
      CodeGeneratorResponse response =
          LoopGenerator.generate(TestProtos.request("adapterPackage=" + bad, List.of(KINDS)));

      assertThat(response.getError()).as(bad).contains("is not a Java package name");
    }
  }

  @Test
  void aMessageMissingFromTheRequestIsAnErrorNotAnException() {
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("broken.proto")
        .addService(ServiceDescriptorProto.newBuilder().setName("Broken")
            .addMethod(MethodDescriptorProto.newBuilder().setName("Call")
                .setInputType(".nowhere.Request").setOutputType(".nowhere.Reply")))
        .build();
    CodeGeneratorResponse response = LoopGenerator.generate(CodeGeneratorRequest.newBuilder()
        .addFileToGenerate("broken.proto").addProtoFile(file).build());

    assertThat(response.getError()).contains(".nowhere.Request");
  }

  @Test
  void declaresProto3OptionalSupportLikeGrpcJava() {
    CodeGeneratorResponse response = LoopGenerator.generate(TestProtos.request("", List.of()));

    assertThat(response.getSupportedFeatures())
        .isEqualTo(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE);
  }

  @Test
  void aDeprecatedMessageIsUsedWithoutWarnings() {
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("old.proto").setPackage("old").setSyntax("proto3")
        .setOptions(FileOptions.newBuilder().setJavaMultipleFiles(true))
        .addMessageType(DescriptorProto.newBuilder().setName("Fresh"))
        .addMessageType(DescriptorProto.newBuilder().setName("Stale")
            .setOptions(MessageOptions.newBuilder().setDeprecated(true)))
        .addService(ServiceDescriptorProto.newBuilder().setName("S")
            .addMethod(MethodDescriptorProto.newBuilder().setName("A")
                .setInputType(".old.Fresh").setOutputType(".old.Fresh"))
            .addMethod(MethodDescriptorProto.newBuilder().setName("B")
                .setInputType(".old.Stale").setOutputType(".old.Fresh")))
        .build();
    String source = TestProtos.contents(LoopGenerator.generate(CodeGeneratorRequest.newBuilder()
        .addFileToGenerate("old.proto").addProtoFile(file).build())).get("old/SLoop.java");

    assertThat(source).contains("@java.lang.SuppressWarnings(\"deprecation\")\npublic final class"
        + " SLoop {");
  }

  @Test
  void theCommentsOfTheProtoBecomeJavadoc() {
    String source = TestProtos.generate("").get(KINDS_LOOP);

    // Leading comments of the service and its methods, and a trailing one (rpc Echo).
    assertThat(source)
        .contains(" * Every kind of RPC. This comment tests the escaping of doc comments: it ends a"
            + " comment *&#47;, starts\n")
        .contains(" * One request, Request.count replies, numbered from 0.\n")
        .contains(" * Each request's text back, numbered.\n")
        .doesNotContain("\\u002a");
  }

  /** The plugin as protoc runs it: a request on standard input, the response on standard out. */
  @Test
  void mainSpeaksProtocsPluginProtocol() throws Exception {
    CodeGeneratorRequest request = TestProtos.request("", TestProtos.testFiles());
    Process process = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LoopGenerator.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try (OutputStream in = process.getOutputStream()) {
      request.writeTo(in);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream stdout = process.getInputStream()) {
      stdout.transferTo(out);
    }
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).isZero();
    assertThat(CodeGeneratorResponse.parseFrom(out.toByteArray()))
        .isEqualTo(LoopGenerator.generate(request));
  }

  @Test
  void theGeneratorNeedsNothingButProtobufJava() throws IOException {
    // The classpath of the build's protoc run holds more (this project's dependencies), but users
    // are told that the generator needs only protobuf-java: keep that true.
    try (Stream<Path> sources = Files.list(Repository.generatorSources())) {
      for (Path source : sources.toList()) {
        for (String line : Files.readAllLines(source)) {
          if (line.startsWith("import ")) {
            assertThat(line).as(source.toString())
                .matches("import (static )?(java\\.|com\\.google\\.protobuf\\.).*");
          }
        }
      }
    }
  }

  static List<String> imports(String source) {
    return source.lines()
        .filter(line -> line.startsWith("import "))
        .map(line -> line.substring("import ".length(), line.length() - 1))
        .toList();
  }
}
