//! Zed debugger extension for kmirror-dap: registers the `kmirror` debug adapter. Zed starts
//! `kmirror-dap` (from the `dap.kmirror.binary` setting or PATH) on stdio, or — when the scenario
//! has `tcp_connection` — as `kmirror-dap --host H --port P` and connects over TCP.
//! Only glue: the launch configuration is passed through unchanged.
use zed_extension_api::{
    self as zed, serde_json, DebugAdapterBinary, DebugConfig, DebugRequest, DebugScenario,
    DebugTaskDefinition, StartDebuggingRequestArguments, StartDebuggingRequestArgumentsRequest,
    Worktree,
};

const ADAPTER: &str = "kmirror";

struct KmirrorExtension;

impl KmirrorExtension {
    fn request_kind(config: &serde_json::Value) -> Result<StartDebuggingRequestArgumentsRequest, String> {
        match config.get("request").and_then(|v| v.as_str()) {
            Some("launch") | None => Ok(StartDebuggingRequestArgumentsRequest::Launch),
            Some("attach") => Ok(StartDebuggingRequestArgumentsRequest::Attach),
            Some(other) => Err(format!("kmirror: \"request\" must be \"launch\" or \"attach\", got \"{other}\"")),
        }
    }
}

impl zed::Extension for KmirrorExtension {
    fn new() -> Self {
        KmirrorExtension
    }

    fn get_dap_binary(
        &mut self,
        adapter_name: String,
        config: DebugTaskDefinition,
        user_provided_debug_adapter_path: Option<String>,
        worktree: &Worktree,
    ) -> Result<DebugAdapterBinary, String> {
        if adapter_name != ADAPTER {
            return Err(format!("kmirror extension cannot start adapter \"{adapter_name}\""));
        }
        let command = user_provided_debug_adapter_path
            .or_else(|| worktree.which("kmirror-dap"))
            .ok_or("kmirror-dap not found: install it on PATH or set dap.kmirror.binary in settings")?;
        let configuration: serde_json::Value =
            serde_json::from_str(&config.config).map_err(|e| format!("kmirror: bad configuration: {e}"))?;
        let request = Self::request_kind(&configuration)?;
        let (arguments, connection) = match config.tcp_connection {
            Some(template) => {
                let tcp = zed::resolve_tcp_template(template)?;
                let host = std::net::Ipv4Addr::from(tcp.host).to_string();
                (vec!["--host".into(), host, "--port".into(), tcp.port.to_string()], Some(tcp))
            }
            None => (vec![], None),
        };
        Ok(DebugAdapterBinary {
            command: Some(command),
            arguments,
            envs: worktree.shell_env(),
            cwd: Some(worktree.root_path()),
            connection,
            request_args: StartDebuggingRequestArguments { configuration: config.config, request },
        })
    }

    fn dap_request_kind(
        &mut self,
        _adapter_name: String,
        config: serde_json::Value,
    ) -> Result<StartDebuggingRequestArgumentsRequest, String> {
        Self::request_kind(&config)
    }

    fn dap_config_to_scenario(&mut self, config: DebugConfig) -> Result<DebugScenario, String> {
        let configuration = match config.request {
            DebugRequest::Launch(launch) => serde_json::json!({
                "request": "launch",
                "program": launch.program,
                "cwd": launch.cwd,
                "args": launch.args,
                "env": launch
                    .envs
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect::<serde_json::Map<String, serde_json::Value>>(),
                "stopOnEntry": config.stop_on_entry.unwrap_or(false),
            }),
            DebugRequest::Attach(attach) => serde_json::json!({
                "request": "attach",
                "processId": attach.process_id,
            }),
        };
        Ok(DebugScenario {
            adapter: config.adapter,
            label: config.label,
            build: None,
            config: configuration.to_string(),
            tcp_connection: None,
        })
    }
}

zed::register_extension!(KmirrorExtension);
