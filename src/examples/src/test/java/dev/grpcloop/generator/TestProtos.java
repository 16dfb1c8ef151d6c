package dev.grpcloop.generator;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The test protos of src/test/proto as protoc gives them to a plugin: read from the descriptor set
 * that the build writes (with imports and comments), for running the generator in-process.
 */
final class TestProtos {
  /** Where the build writes the descriptor set (the pom's test-descriptors execution). */
  static final Path DESCRIPTOR_SET = Path.of(System.getProperty(
      "grpcloop.test.descriptors", "target/test-descriptors/test-protos.binpb"));

  /** Where the build's protoc run writes this plugin's output for the test protos. */
  static final Path PROTOC_OUTPUT = Path.of("target/generated-test-sources/grpc-loop");

  private static List<FileDescriptorProto> files;

  private TestProtos() {}

  /** Every file of the set, imports first, as protoc orders them. */
  static synchronized List<FileDescriptorProto> files() {
    if (files == null) {
      try (InputStream in = Files.newInputStream(DESCRIPTOR_SET)) {
        files = FileDescriptorSet.parseFrom(in).getFileList();
      } catch (IOException e) {
        throw new UncheckedIOException("the descriptor set of src/test/proto: build it with"
            + " ./mvnw test-compile", e);
      }
    }
    return files;
  }

  /** The names of the test protos themselves (not the imports of protobuf's own). */
  static List<String> testFiles() {
    return files().stream()
        .map(FileDescriptorProto::getName)
        .filter(name -> name.startsWith("looptest/"))
        .toList();
  }

  static FileDescriptorProto file(String name) {
    return files().stream()
        .filter(f -> f.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no test proto " + name));
  }

  /** The request protoc sends for {@code filesToGenerate} with {@code parameter}. */
  static CodeGeneratorRequest request(String parameter, List<String> filesToGenerate) {
    return CodeGeneratorRequest.newBuilder()
        .setParameter(parameter)
        .addAllFileToGenerate(filesToGenerate)
        .addAllProtoFile(files())
        .build();
  }

  /** The generated files for all the test protos, by path, from the generator run in-process. */
  static Map<String, String> generate(String parameter) {
    return contents(LoopGenerator.generate(request(parameter, testFiles())));
  }

  /** The response's files by name; an AssertionError if it is an error. */
  static Map<String, String> contents(CodeGeneratorResponse response) {
    if (response.hasError()) {
      throw new AssertionError("generator error: " + response.getError());
    }
    Map<String, String> contents = new LinkedHashMap<>();
    for (CodeGeneratorResponse.File f : response.getFileList()) {
      contents.put(f.getName(), f.getContent());
    }
    return contents;
  }
}
