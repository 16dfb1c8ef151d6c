package dev.grpcloop.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java names of protoc's Java generator and of grpc-java's plugin, as computed from the
 * descriptors; each expectation is a name that those generators give (see the classes the build
 * generates from src/test/proto, which the generated code compiles against).
 */
@Timeout(60)
class JavaNamesTest {

  @Test
  void methodNamesAreGrpcJavas() {
    assertThat(JavaNames.methodName("EchoStream")).isEqualTo("echoStream");
    assertThat(JavaNames.methodName("Import")).isEqualTo("import_");
    assertThat(JavaNames.methodName("Default")).isEqualTo("default_");
    assertThat(JavaNames.methodName("New")).isEqualTo("new_");
    assertThat(JavaNames.methodName("True")).isEqualTo("true_");
    assertThat(JavaNames.methodName("do_it")).isEqualTo("doIt");
    assertThat(JavaNames.methodName("Get2Things")).isEqualTo("get2Things");
    assertThat(JavaNames.methodName("URLFetch")).isEqualTo("uRLFetch");
    assertThat(JavaNames.methodName("a__b_")).isEqualTo("aB");
  }

  @Test
  void descriptorGettersAreGrpcJavas() {
    assertThat(JavaNames.descriptorGetterName("EchoStream")).isEqualTo("getEchoStreamMethod");
    assertThat(JavaNames.descriptorGetterName("Import")).isEqualTo("getImportMethod");
    assertThat(JavaNames.descriptorGetterName("do_it")).isEqualTo("getDoItMethod");
    assertThat(JavaNames.descriptorGetterName("Get2Things")).isEqualTo("getGet2ThingsMethod");
  }

  @Test
  void theOuterClassComesFromTheFileName() {
    assertThat(JavaNames.outerClassName(file("a/b/foo_bar.proto"))).isEqualTo("FooBar");
    assertThat(JavaNames.outerClassName(file("foo-bar.baz.proto"))).isEqualTo("FooBarBaz");
    assertThat(JavaNames.outerClassName(file("v2beta.proto"))).isEqualTo("V2Beta");
    assertThat(JavaNames.outerClassName(file("old.protodevel"))).isEqualTo("Old");
    assertThat(JavaNames.outerClassName(file("MixedCase.proto"))).isEqualTo("MixedCase");
  }

  @Test
  void theOuterClassGetsASuffixWhenATypeHasItsName() {
    FileDescriptorProto message = file("thing.proto").toBuilder()
        .addMessageType(DescriptorProto.newBuilder().setName("Thing")).build();
    FileDescriptorProto nestedEnum = file("color.proto").toBuilder()
        .addMessageType(DescriptorProto.newBuilder().setName("Paint")
            .addEnumType(EnumDescriptorProto.newBuilder().setName("Color"))).build();
    FileDescriptorProto otherCase = file("case.proto").toBuilder()
        .addMessageType(DescriptorProto.newBuilder().setName("CASE")).build();

    assertThat(JavaNames.outerClassName(message)).isEqualTo("ThingOuterClass");
    assertThat(JavaNames.outerClassName(nestedEnum)).isEqualTo("ColorOuterClass");
    assertThat(JavaNames.outerClassName(otherCase)).isEqualTo("Case");
  }

  @Test
  void javaOuterClassnameWins() {
    FileDescriptorProto named = file("thing.proto").toBuilder()
        .setOptions(FileOptions.newBuilder().setJavaOuterClassname("Things"))
        .addMessageType(DescriptorProto.newBuilder().setName("Thing")).build();

    assertThat(JavaNames.outerClassName(named)).isEqualTo("Things");
  }

  @Test
  void messageClassesNestInTheOuterClassUnlessJavaMultipleFiles() {
    JavaNames names = new JavaNames(List.of(
        TestProtos.file("looptest/common/common.proto"),
        TestProtos.file("looptest/kinds.proto"),
        TestProtos.file("looptest/single/single_file.proto")));

    assertThat(names.message(".looptest.common.Point.Label").javaName())
        .isEqualTo("dev.grpcloop.generator.test.common.Common.Point.Label");
    assertThat(names.message(".looptest.kinds.Outer.Middle.Inner").javaName())
        .isEqualTo("dev.grpcloop.generator.test.kinds.Outer.Middle.Inner");
    assertThat(names.message(".looptest.single.SingleFile.Answer").javaName())
        .isEqualTo("looptest.single.SingleFileOuterClass.SingleFile.Answer");
    // And those are the classes that protoc generated.
    assertThat(dev.grpcloop.generator.test.common.Common.Point.Label.class).isNotNull();
    assertThat(looptest.single.SingleFileOuterClass.SingleFile.Answer.class).isNotNull();
  }

  @Test
  void adapterPackagesMustBeJavaPackageNames() {
    assertThat(JavaNames.isJavaPackageName("com.example.loop")).isTrue();
    assertThat(JavaNames.isJavaPackageName("loop")).isTrue();
    assertThat(JavaNames.isJavaPackageName("com.example.loop_2")).isTrue();
    assertThat(JavaNames.isJavaPackageName("com.int.loop")).isFalse();
    assertThat(JavaNames.isJavaPackageName("com.true")).isFalse();
    assertThat(JavaNames.isJavaPackageName("com._")).isFalse();
    assertThat(JavaNames.isJavaPackageName("")).isFalse();
  }

  private static FileDescriptorProto file(String name) {
    return FileDescriptorProto.newBuilder().setName(name).build();
  }
}
