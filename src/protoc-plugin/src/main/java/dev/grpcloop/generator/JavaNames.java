package dev.grpcloop.generator;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Java names that protoc's Java generator and grpc-java's plugin give to the things of a
 * .proto file, computed here from the descriptors alone (the plugin sees no class files): the Java
 * package, the outer class, each message's class, and grpc-java's method names.
 *
 * <p>The rules are those of proto2, proto3 and edition 2023 (the plugin declares no support for
 * later editions, as grpc-java's does not).
 */
final class JavaNames {
  /** Java's reserved words and the literals true and false: grpc-java's plugin's list. */
  static final Set<String> JAVA_KEYWORDS = Set.of(
      "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
      "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally",
      "float", "for", "goto", "if", "implements", "import", "instanceof", "int", "interface",
      "long", "native", "new", "package", "private", "protected", "public", "return", "short",
      "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws",
      "transient", "try", "void", "volatile", "while", "true", "false");

  /**
   * A message's Java class: its package, its name in the package ({@code Outer.Message} when
   * nested), and whether its declaration or an enclosing one is deprecated.
   */
  record MessageClass(String javaPackage, String nameInPackage, boolean deprecated) {
    String javaName() {
      return qualify(javaPackage, nameInPackage);
    }

    /** The first name of {@link #nameInPackage}: the top-level class. */
    String topLevelName() {
      int dot = nameInPackage.indexOf('.');
      return dot < 0 ? nameInPackage : nameInPackage.substring(0, dot);
    }
  }

  private final Map<String, MessageClass> messages = new HashMap<>();

  /** Indexes every message of {@code files}, which must include all the imports. */
  JavaNames(List<FileDescriptorProto> files) {
    for (FileDescriptorProto file : files) {
      String javaPackage = javaPackage(file);
      String outer = file.getOptions().getJavaMultipleFiles() ? "" : outerClassName(file);
      String protoPrefix = file.getPackage().isEmpty() ? "." : "." + file.getPackage() + ".";
      for (DescriptorProto message : file.getMessageTypeList()) {
        index(message, protoPrefix, javaPackage, outer, false);
      }
    }
  }

  private void index(DescriptorProto message, String protoPrefix, String javaPackage,
      String javaPrefix, boolean enclosingDeprecated) {
    String protoName = protoPrefix + message.getName();
    String nameInPackage = qualify(javaPrefix, message.getName());
    boolean deprecated = enclosingDeprecated || message.getOptions().getDeprecated();
    messages.put(protoName, new MessageClass(javaPackage, nameInPackage, deprecated));
    for (DescriptorProto nested : message.getNestedTypeList()) {
      index(nested, protoName + ".", javaPackage, nameInPackage, deprecated);
    }
  }

  /**
   * The Java class of the message named {@code protoTypeName} in protoc's fully qualified form
   * ({@code .package.Message.Nested}), as a method's input and output types are given.
   */
  MessageClass message(String protoTypeName) {
    MessageClass found = messages.get(protoTypeName);
    if (found == null) {
      throw new IllegalArgumentException("message type " + protoTypeName
          + " is in none of the files of the request");
    }
    return found;
  }

  /** The Java package of the file's classes: {@code java_package}, else the proto package. */
  static String javaPackage(FileDescriptorProto file) {
    return file.getOptions().hasJavaPackage()
        ? file.getOptions().getJavaPackage()
        : file.getPackage();
  }

  /**
   * The file's outer class: {@code java_outer_classname}, else the file's base name in camel case
   * ({@code foo_bar.proto} gives {@code FooBar}), with {@code OuterClass} appended where a
   * message, enum or service of the file has that name.
   */
  static String outerClassName(FileDescriptorProto file) {
    if (file.getOptions().hasJavaOuterClassname()) {
      return file.getOptions().getJavaOuterClassname();
    }
    String name = file.getName();
    name = name.substring(name.lastIndexOf('/') + 1);
    if (name.endsWith(".protodevel")) {
      name = name.substring(0, name.length() - ".protodevel".length());
    } else if (name.endsWith(".proto")) {
      name = name.substring(0, name.length() - ".proto".length());
    }
    String className = underscoresToCamelCase(name);
    return hasTypeNamed(file, className) ? className + "OuterClass" : className;
  }

  /** protoc's Java rule for file names: letters and digits kept, the rest dropped, camel case. */
  static String underscoresToCamelCase(String input) {
    StringBuilder result = new StringBuilder(input.length());
    boolean capitalizeNext = true;
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c >= 'a' && c <= 'z') {
        result.append(capitalizeNext ? (char) (c - 'a' + 'A') : c);
        capitalizeNext = false;
      } else if (c >= 'A' && c <= 'Z') {
        result.append(c);
        capitalizeNext = false;
      } else if (c >= '0' && c <= '9') {
        result.append(c);
        capitalizeNext = true;
      } else {
        capitalizeNext = true;
      }
    }
    return result.toString();
  }

  private static boolean hasTypeNamed(FileDescriptorProto file, String name) {
    for (EnumDescriptorProto e : file.getEnumTypeList()) {
      if (e.getName().equals(name)) {
        return true;
      }
    }
    for (ServiceDescriptorProto s : file.getServiceList()) {
      if (s.getName().equals(name)) {
        return true;
      }
    }
    for (DescriptorProto m : file.getMessageTypeList()) {
      if (messageHasTypeNamed(m, name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean messageHasTypeNamed(DescriptorProto message, String name) {
    if (message.getName().equals(name)) {
      return true;
    }
    for (DescriptorProto nested : message.getNestedTypeList()) {
      if (messageHasTypeNamed(nested, name)) {
        return true;
      }
    }
    for (EnumDescriptorProto e : message.getEnumTypeList()) {
      if (e.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * grpc-java's Java name for a method name: the first letter lower-cased, each underscore dropped
   * and the letter after it upper-cased, and {@code _} appended to a Java keyword: {@code Import}
   * gives {@code import_}, {@code do_it} gives {@code doIt}.
   */
  static String mixedLower(String word) {
    StringBuilder w = new StringBuilder(word.length() + 1);
    w.append(Character.toLowerCase(word.charAt(0)));
    boolean afterUnderscore = false;
    for (int i = 1; i < word.length(); i++) {
      char c = word.charAt(i);
      if (c == '_') {
        afterUnderscore = true;
      } else {
        w.append(afterUnderscore ? Character.toUpperCase(c) : c);
        afterUnderscore = false;
      }
    }
    String result = w.toString();
    return JAVA_KEYWORDS.contains(result) ? result + "_" : result;
  }

  /** The name of the method of grpc-java's stubs and service interface for an RPC. */
  static String methodName(String rpcName) {
    return mixedLower(rpcName);
  }

  /** The name of the static getter of grpc-java's XxxGrpc class for an RPC's descriptor. */
  static String descriptorGetterName(String rpcName) {
    return mixedLower("get_" + rpcName + "_method");
  }

  /** grpc-java's class for a service, in the same package as the one generated here. */
  static String grpcClassName(ServiceDescriptorProto service) {
    return service.getName() + "Grpc";
  }

  /** Whether {@code name} can be a Java package name: dot-separated identifiers, no keywords. */
  static boolean isJavaPackageName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (String part : name.split("\\.", -1)) {
      if (part.isEmpty() || JAVA_KEYWORDS.contains(part) || part.equals("null")
          || part.equals("_")) {
        return false;
      }
      if (!Character.isJavaIdentifierStart(part.charAt(0))) {
        return false;
      }
      for (int i = 1; i < part.length(); i++) {
        if (!Character.isJavaIdentifierPart(part.charAt(i))) {
          return false;
        }
      }
    }
    return true;
  }

  static String qualify(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }
}
