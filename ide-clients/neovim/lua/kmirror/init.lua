-- kmirror for nvim-dap: registers the adapter `kmirror` — kmirror-dap on stdio (default), or in
-- server mode (kmirror-dap --port N started by nvim-dap, or one you run yourself) — plus example
-- configurations per language. Only glue: kmirror-dap does the work.
--
--   require('kmirror').setup{}                              -- defaults
--   require('kmirror').setup{ target = 'deploy/web' }       -- default target for every config
--   require('kmirror').setup{ server = true }               -- nvim-dap starts kmirror-dap --port ${port}
--                                                              (it ends with Neovim, or after idle_exit s without a client)
--   require('kmirror').setup{ server = { port = 4711 } }    -- connect to a running kmirror-dap --port 4711
--   require('kmirror').setup{ command = '/opt/kmirror/bin/kmirror-dap', configurations = false }
--   require('kmirror').replay('failing.kmrec', { '3' })     -- replay recorded requests into the debuggee
--   require('kmirror').replay('failing.kmrec')              -- pick them with vim.ui.select
local M = {}

-- The configuration tables setup() added, so a second setup() replaces them instead of adding copies.
local added = setmetatable({}, { __mode = 'k' })

M.defaults = {
  command = 'kmirror-dap', -- executable (or `node` with args = { '/path/kmirror-dap.js' })
  args = {},
  target = nil, -- default target; nil: ask when a configuration starts
  server = false, -- false: stdio; true: nvim-dap starts `kmirror-dap --port`; { host, port }: a running one
  idle_exit = 60, -- server = true: seconds without a client before kmirror-dap exits; false: only when Neovim exits
  initialize_timeout_sec = 20, -- nvim-dap's "adapter did not answer" warning comes after this (its default, 4, is too short for a cold start)
  configurations = true, -- add the example configurations below
  languages = { 'go', 'python', 'javascript', 'typescript', 'c', 'cpp', 'rust', 'cs' },
}

local function ask_target(default_target)
  if default_target then return default_target end
  return function()
    return vim.fn.input('kmirror target (pod/NAME, deploy/NAME, pid/N, netns/NAME): ', 'deploy/')
  end
end

local function ask_path(prompt)
  return function()
    return vim.fn.input(prompt, vim.fn.getcwd() .. '/', 'file')
  end
end

-- One launch configuration per language; `debugger` tells kmirror-dap which backend to use.
local function examples(target)
  local function launch(name, debugger, program)
    return { type = 'kmirror', request = 'launch', name = name, debugger = debugger, target = target, program = program, cwd = '${workspaceFolder}' }
  end
  -- Settings of .kmirror.json go in a nested `kmirror` table: here feature.copy_target (a copy of the
  -- pod that no Service selects takes the stolen traffic; scale_down = true also scales the Deployment to 0).
  local on_copy = launch('kmirror: Node.js file on a copy of the target (copy_target)', 'node', '${file}')
  on_copy.kmirror = { feature = { copy_target = { scale_down = false }, network = { incoming = { mode = 'steal', ports = { 8080 } } } } }
  local node = {
    launch('kmirror: Node.js file', 'node', '${file}'),
    on_copy,
    { type = 'kmirror', request = 'attach', name = 'kmirror: attach to Node inspector', debugger = 'node', target = target, port = 9229 },
    -- The process already running in the pod (its main process; "processId" picks another by its pid in the container).
    { type = 'kmirror', request = 'attach', name = 'kmirror: attach to a Node process in the pod', debugger = 'node', target = target, localRoot = '${workspaceFolder}', remoteRoot = '/app' },
    -- Snapshot breakpoints: each hit is recorded (stack, variables) as output and the process never stops.
    { type = 'kmirror', request = 'attach', name = 'kmirror: snapshots of a Node process in the pod', debugger = 'node', target = target, localRoot = '${workspaceFolder}', remoteRoot = '/app', nonBreaking = true },
  }
  -- The target's DNS lookups and TCP connections in the REPL while debugging (category kmirror-trace).
  local traced = launch("kmirror: Python file, tracing the pod's DNS and TCP", 'python', '${file}')
  traced.trace = { 'dns', 'tcp' }
  local native = { launch('kmirror: native executable (lldb)', 'lldb', ask_path('Path to executable: ')) }
  return {
    go = {
      launch('kmirror: Go package', 'go', '${fileDirname}'),
      -- dlv in a debugger container beside the process in the pod; remoteRoot: where the image built the sources.
      { type = 'kmirror', request = 'attach', name = 'kmirror: attach to a Go process in the pod', debugger = 'go', target = target, localRoot = '${workspaceFolder}', remoteRoot = '/src' },
    },
    python = { launch('kmirror: Python file', 'python', '${file}'), traced },
    javascript = node,
    typescript = node,
    c = native,
    cpp = native,
    rust = native,
    cs = { launch('kmirror: .NET program', 'dotnet', ask_path('Path to dll: ')) },
  }
end

--- The nvim-dap adapter definition for the chosen mode.
function M.adapter(opts, args)
  local options = { initialize_timeout_sec = opts.initialize_timeout_sec }
  if opts.server == true then
    -- nvim-dap never stops the server it started: kmirror-dap ends with Neovim (its parent) or when idle.
    local server_args = { '--host', '127.0.0.1', '--port', '${port}', '--exit-with-parent' }
    if opts.idle_exit then vim.list_extend(server_args, { '--idle-exit', tostring(opts.idle_exit) }) end
    return {
      type = 'server',
      host = '127.0.0.1',
      port = '${port}', -- nvim-dap picks a free port and substitutes it in both places
      executable = { command = opts.command, args = vim.list_extend(vim.deepcopy(args), server_args) },
      options = options,
    }
  elseif type(opts.server) == 'table' then
    if type(opts.server.port) ~= 'number' then
      error('kmirror: server = { port = N } needs the port of a running "kmirror-dap --port N"')
    end
    return { type = 'server', host = opts.server.host or '127.0.0.1', port = opts.server.port, options = options }
  end
  return { type = 'executable', command = opts.command, args = args, options = options }
end

--- Registers the adapter with nvim-dap and (optionally) the example configurations.
function M.setup(opts)
  opts = vim.tbl_deep_extend('force', {}, M.defaults, opts or {})
  local ok, dap = pcall(require, 'dap')
  if not ok then
    error('kmirror: nvim-dap is not installed (require("dap") failed): ' .. tostring(dap))
  end
  local args = vim.deepcopy(opts.args)
  if opts.target then vim.list_extend(args, { '--target', opts.target }) end

  dap.adapters.kmirror = M.adapter(opts, args)

  -- Calling setup again (a re-sourced init.lua, new options) replaces what the last call added.
  for _, list in pairs(dap.configurations) do
    for i = #list, 1, -1 do
      if added[list[i]] then table.remove(list, i) end
    end
  end

  if opts.configurations then
    local by_language = examples(ask_target(opts.target))
    for _, language in ipairs(opts.languages) do
      local list = by_language[language]
      if list then
        dap.configurations[language] = dap.configurations[language] or {}
        for _, config in ipairs(list) do
          local copy = vim.deepcopy(config)
          added[copy] = true
          table.insert(dap.configurations[language], copy)
        end
      end
    end
  end
  return dap
end

local function replay_session()
  local session = require('dap').session()
  if not session or session.config.type ~= 'kmirror' then
    error('kmirror: start a kmirror debug session first; the recorded requests are replayed into its program')
  end
  return session
end

local function send_replay(session, file, ids, on_done)
  session:request('kmirror/replay', { file = file, ids = ids }, function(err, body)
    if err then
      vim.notify('kmirror: ' .. tostring(err.message or err), vim.log.levels.ERROR)
    else
      vim.notify(string.format('kmirror: replaying %d recorded request(s) into %s:%d', #body.items, body.host, body.port))
    end
    if on_done then on_done(err, body) end
  end)
end

--- Sends the requests recorded in `file` (a .kmrec) to the program of the current kmirror session, so
--- a breakpoint in its handler stops on them. `ids`: exchange ids ('3', or 'c5' for a whole
--- connection); nil: pick from the recording with vim.ui.select. `on_done(err, body)` is optional.
function M.replay(file, ids, on_done)
  local session = replay_session()
  file = vim.fn.fnamemodify(file, ':p')
  if ids then return send_replay(session, file, ids, on_done) end
  session:request('kmirror/recording', { file = file }, function(err, listing)
    if err then
      vim.notify('kmirror: ' .. tostring(err.message or err), vim.log.levels.ERROR)
      if on_done then on_done(err, nil) end
      return
    end
    vim.ui.select(listing.items, {
      prompt = 'Replay recorded request',
      format_item = function(item) return item.title end,
    }, function(item)
      if item then send_replay(session, file, { item.id }, on_done) end
    end)
  end)
end

return M
