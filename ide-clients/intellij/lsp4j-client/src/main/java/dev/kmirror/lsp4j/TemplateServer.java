package dev.kmirror.lsp4j;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts kmirror-dap the way LSP4IJ does from a DAP server template: the template's command line
 * (split on spaces), then either stdio or, when the template has a waitForTrace pattern, a TCP
 * connection to the address and port read from the server's output.
 */
final class TemplateServer implements AutoCloseable {
  final Process process;
  final InputStream in;
  final OutputStream out;
  private final Socket socket;

  private TemplateServer(Process process, InputStream in, OutputStream out, Socket socket) {
    this.process = process;
    this.in = in;
    this.out = out;
    this.socket = socket;
  }

  static TemplateServer start(Path templateDir, long deadlineMs) throws Exception {
    JsonObject template = JsonParser.parseString(Files.readString(templateDir.resolve("template.json"))).getAsJsonObject();
    List<String> command = Arrays.asList(template.getAsJsonObject("programArgs").get("default").getAsString().split(" "));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    if (!template.has("waitForTrace")) return new TemplateServer(p, p.getInputStream(), p.getOutputStream(), null);
    // LSP4IJ turns ${address} and ${port} into captures and waits for a matching output line.
    String trace = template.get("waitForTrace").getAsString();
    Pattern pattern = Pattern.compile(Pattern.quote(trace).replace("${address}", "\\E(\\S+)\\Q").replace("${port}", "\\E(\\d+)\\Q"));
    CompletableFuture<Matcher> found = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          Matcher m = pattern.matcher(line);
          if (m.find()) return m;
        }
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
      throw new IllegalStateException("kmirror-dap ended without printing " + trace);
    });
    Matcher m = found.get(deadlineMs, TimeUnit.MILLISECONDS);
    Socket s = new Socket(m.group(1), Integer.parseInt(m.group(2)));
    return new TemplateServer(p, s.getInputStream(), s.getOutputStream(), s);
  }

  @Override
  public void close() throws Exception {
    // stdio: kmirror-dap ends with its input. socket: the IDE stops the server it started (SIGTERM).
    if (socket != null) {
      socket.close();
      process.destroy();
    } else {
      process.getOutputStream().close();
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroy();
    process.waitFor(5, TimeUnit.SECONDS);
    process.destroyForcibly();
  }
}
