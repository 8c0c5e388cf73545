package dev.kmirror.lsp4j;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.debug.*;
import org.eclipse.lsp4j.debug.launch.DSPLauncher;
import org.eclipse.lsp4j.debug.services.IDebugProtocolClient;
import org.eclipse.lsp4j.debug.services.IDebugProtocolServer;
import org.eclipse.lsp4j.jsonrpc.Launcher;

/**
 * A DAP session as LSP4IJ runs one, on LSP4J's typed debug API: initialize → launch (a template's
 * launch JSON with program/target filled in) → setBreakpoints → configurationDone → stopped →
 * stackTrace/scopes/variables → evaluate → continue → disconnect. Prints what a user would see as
 * one JSON object on stdout; exits non-zero when a step fails (LSP4J's typing errors included).
 *
 * usage: TemplateClient TEMPLATE_DIR LAUNCH_FILE PROGRAM TARGET SOURCE LINE VARIABLE EXPRESSION
 */
public final class TemplateClient {
  private static final long STEP_MS = 60_000;

  public static void main(String[] a) throws Exception {
    Path templateDir = Path.of(a[0]);
    Map<String, Object> seen = new LinkedHashMap<>();
    StringBuilder output = new StringBuilder();
    java.util.List<String> progress = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    CompletableFuture<Void> initialized = new CompletableFuture<>();
    CompletableFuture<StoppedEventArguments> stopped = new CompletableFuture<>();
    CompletableFuture<Void> terminated = new CompletableFuture<>();
    IDebugProtocolClient client = new IDebugProtocolClient() {
      @Override public void initialized() { initialized.complete(null); }
      @Override public void stopped(StoppedEventArguments args) { stopped.complete(args); }
      @Override public void terminated(TerminatedEventArguments args) { terminated.complete(null); }
      @Override public void progressStart(ProgressStartEventArguments args) { progress.add(args.getTitle()); }
      @Override public void output(OutputEventArguments args) {
        synchronized (output) { output.append(args.getOutput()); }
      }
    };
    ExecutorService executor = Executors.newCachedThreadPool();
    int code = 1;
    try (TemplateServer server = TemplateServer.start(templateDir, STEP_MS)) {
      Launcher<IDebugProtocolServer> launcher = DSPLauncher.createClientLauncher(client, server.in, server.out, executor, null);
      launcher.startListening();
      IDebugProtocolServer dap = launcher.getRemoteProxy();

      InitializeRequestArguments init = new InitializeRequestArguments();
      init.setClientID("lsp4ij");
      init.setAdapterID("kmirror");
      init.setLinesStartAt1(true);
      init.setColumnsStartAt1(true);
      init.setPathFormat("path");
      init.setSupportsProgressReporting(true);
      init.setSupportsVariableType(true);
      Capabilities caps = dap.initialize(init).get(STEP_MS, TimeUnit.MILLISECONDS);
      seen.put("supportsConfigurationDone", caps.getSupportsConfigurationDoneRequest());

      // LSP4IJ sends the configuration's JSON as the launch arguments, with its variables resolved.
      JsonObject launch = JsonParser.parseString(Files.readString(templateDir.resolve(a[1]))).getAsJsonObject();
      launch.addProperty("program", a[2]);
      launch.addProperty("target", a[3]);
      launch.addProperty("cwd", Path.of(a[4]).getParent().toString());
      @SuppressWarnings("unchecked")
      Map<String, Object> launchArgs = new Gson().fromJson(launch, HashMap.class);
      CompletableFuture<Void> launched = dap.launch(launchArgs);
      // `initialized` comes once the debugger runs; a failed launch answers first (with the reason).
      CompletableFuture.anyOf(initialized, launched).get(STEP_MS, TimeUnit.MILLISECONDS);
      if (!initialized.isDone()) launched.get();

      SetBreakpointsArguments bp = new SetBreakpointsArguments();
      Source source = new Source();
      source.setPath(a[4]);
      bp.setSource(source);
      SourceBreakpoint at = new SourceBreakpoint();
      at.setLine(Integer.parseInt(a[5]));
      bp.setBreakpoints(new SourceBreakpoint[] { at });
      SetBreakpointsResponse bps = dap.setBreakpoints(bp).get(STEP_MS, TimeUnit.MILLISECONDS);
      seen.put("breakpointVerified", bps.getBreakpoints()[0].isVerified());
      dap.configurationDone(new ConfigurationDoneArguments()).get(STEP_MS, TimeUnit.MILLISECONDS);
      launched.get(STEP_MS, TimeUnit.MILLISECONDS);

      StoppedEventArguments stop = stopped.get(STEP_MS, TimeUnit.MILLISECONDS);
      seen.put("stopReason", stop.getReason());
      StackTraceArguments st = new StackTraceArguments();
      st.setThreadId(stop.getThreadId() != null ? stop.getThreadId() : dap.threads().get(STEP_MS, TimeUnit.MILLISECONDS).getThreads()[0].getId());
      st.setStartFrame(0);
      st.setLevels(5);
      StackFrame frame = dap.stackTrace(st).get(STEP_MS, TimeUnit.MILLISECONDS).getStackFrames()[0];
      seen.put("frameLine", frame.getLine());
      seen.put("framePath", frame.getSource() != null ? frame.getSource().getPath() : null);
      seen.put("variable", findVariable(dap, frame.getId(), a[6]));

      EvaluateArguments ev = new EvaluateArguments();
      ev.setExpression(a[7]);
      ev.setFrameId(frame.getId());
      ev.setContext("repl");
      seen.put("evaluate", dap.evaluate(ev).get(STEP_MS, TimeUnit.MILLISECONDS).getResult());

      ContinueArguments cont = new ContinueArguments();
      cont.setThreadId(st.getThreadId());
      dap.continue_(cont).get(STEP_MS, TimeUnit.MILLISECONDS);
      DisconnectArguments disconnect = new DisconnectArguments();
      disconnect.setTerminateDebuggee(true);
      dap.disconnect(disconnect).get(STEP_MS, TimeUnit.MILLISECONDS);
      terminated.get(STEP_MS, TimeUnit.MILLISECONDS);
      seen.put("terminated", true);
      code = 0;
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      seen.put("error", cause.toString());
    } finally {
      synchronized (output) { seen.put("output", output.toString()); }
      seen.put("progress", new java.util.ArrayList<>(progress));
      System.out.println(new Gson().toJson(seen));
      executor.shutdownNow();
    }
    System.exit(code);
  }

  /** The value of a variable in the first non-expensive scope that has it. */
  private static String findVariable(IDebugProtocolServer dap, int frameId, String name) throws Exception {
    ScopesArguments sa = new ScopesArguments();
    sa.setFrameId(frameId);
    for (Scope scope : dap.scopes(sa).get(STEP_MS, TimeUnit.MILLISECONDS).getScopes()) {
      if (scope.isExpensive()) continue;
      VariablesArguments va = new VariablesArguments();
      va.setVariablesReference(scope.getVariablesReference());
      for (Variable v : dap.variables(va).get(STEP_MS, TimeUnit.MILLISECONDS).getVariables()) {
        if (v.getName().equals(name)) return v.getValue();
      }
    }
    return null;
  }
}
