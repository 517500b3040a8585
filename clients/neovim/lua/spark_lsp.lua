-- spark-lsp for Neovim. Tested with Neovim 0.12.4 (completion, inline completion, code actions,
-- :SparkEdit, :SparkEditFile, :SparkTests, :SparkReview) and Neovim 0.7.2 (completion via omnifunc, code actions, :SparkEdit).
--
-- Load it:
--   vim.opt.runtimepath:append('/path/to/spark-lsp/clients/neovim')
--   require('spark_lsp').setup({})            -- see M.defaults for options
--
-- 0.11+ registers the server with vim.lsp.config()/vim.lsp.enable(); 0.7-0.10 fall back to starting
-- it per buffer. On 0.12 ghost-text suggestions come from textDocument/inlineCompletion (accept with
-- the key in `inline_accept`). Commands, each asking for an instruction when none is given:
--   :SparkEdit [instruction]           the selected lines (or a range) only (`edit_key` in visual mode)
--   :SparkEditFile [instruction]       anywhere in the current file
--   :SparkEditWorkspace [instruction]  any file of the workspace folder, new files included
--   :SparkTests                        writes tests for the function under the cursor (or the file) into
--                                      the test file the project's conventions name, creating it if needed
--   :[range]SparkReview                asks the review model for bugs in the buffer's unsaved changes (or
--                                      the whole buffer, or the given lines)
-- The server applies the edit through workspace/applyEdit; files it creates or changes that were not
-- open are loaded into buffers (:ls shows them) and left unsaved for you to review and :write.
-- Findings of reviews (also the background review after each Spark edit) are diagnostics from
-- spark-review, each with a "Spark: Fix" code action.
--
-- Status line: the server's spark/status notification is kept; M.statusline() returns a short string
-- ('Spark' when connected, 'Spark[http]' on the HTTP/SSE fallback, 'Spark[!key refused]' and the like
-- otherwise, each with '+review' while a review runs; '' before any status) and M.status() the whole
-- table. For example:
--   vim.o.statusline = '%f %m%=%{v:lua.require("spark_lsp").statusline()} %l:%c'
-- A `User SparkStatus` autocmd fires on each change. :SparkStatus shows the full status (spark.status).
local M = {}

M.defaults = {
  -- How to start the server: the spark-lsp bin, or { 'node', '/path/to/spark-lsp/dist/server/main.js', '--stdio' }.
  cmd = { 'spark-lsp', '--stdio' },
  filetypes = { 'c', 'cpp', 'css', 'go', 'html', 'java', 'javascript', 'javascriptreact', 'json', 'lua',
    'markdown', 'python', 'ruby', 'rust', 'sh', 'typescript', 'typescriptreact', 'yaml' },
  -- The `spark` settings section (see protocol.md); served on workspace/configuration.
  settings = {},
  -- Neovim 0.12: show inline (ghost text) suggestions.
  inline = true,
  -- Insert-mode key that accepts an inline suggestion (0.12), or false.
  inline_accept = '<C-l>',
  -- 0.11+: let the built-in completion pop up Spark items as you type (false: ask with <C-x><C-o>).
  autotrigger = false,
  -- Visual-mode key for :SparkEdit, or false.
  edit_key = '<leader>se',
}

local config = vim.deepcopy(M.defaults)

local modern = vim.fn.has('nvim-0.11') == 1

local last_status = nil

--- The last spark/status the server sent (health, message, transport, connections, model, endpoint,
--- lastError, latency), or nil.
function M.status() return last_status end

-- The first clause of a status message, short enough for a status line.
local function reason(message)
  local clause = vim.trim((message or ''):match('^[^;(:]*') or '')
  if #clause > 32 then clause = clause:sub(1, 29) .. '...' end
  return clause
end

--- A short status string for a status line: '' before any status.
function M.statusline()
  local s = last_status
  if not s then return '' end
  local text
  if s.transport == 'http' and s.health ~= 'error' then text = 'Spark[http]'
  elseif s.health == 'ok' then text = 'Spark'
  else text = string.format('Spark[%s%s]', s.health == 'error' and '!' or '', reason(s.message)) end
  local reviews = type(s.reviews) == 'table' and s.reviews.running or 0
  return reviews > 0 and text .. '+review' or text
end

local function on_status(_, params)
  last_status = params
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'SparkStatus', modeline = false })
  pcall(vim.cmd, 'redrawstatus')
end

local handlers = { ['spark/status'] = on_status }

local function client_for(bufnr)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
  for _, client in pairs(clients) do
    if client.name == 'spark' then return client end
  end
end

-- Length of a line in UTF-16 code units (LSP positions); the signature changed in 0.11.
local function utf16_len(line)
  if modern then return vim.str_utfindex(line, 'utf-16') end
  local _, utf16 = vim.str_utfindex(line)
  return utf16
end

local function request(client, method, params, handler, bufnr)
  if modern then
    client:request(method, params, handler, bufnr)
  else
    client.request(method, params, handler, bufnr)
  end
end

-- Runs spark.edit with `target` (uri, instruction, scope, range…); the server applies the edit itself.
local function run_edit(client, bufnr, target)
  request(client, 'workspace/executeCommand', { command = 'spark.edit', arguments = { target } }, function(err, result)
    if err then
      vim.notify('Spark edit failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    elseif result and result.applied == false then
      vim.notify('Spark edit was not applied', vim.log.levels.WARN)
    end
  end, bufnr)
end

local function attached()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_for(bufnr)
  if not client then vim.notify('spark-lsp is not attached to this buffer', vim.log.levels.WARN) end
  return client, bufnr
end

local function with_instruction(instruction, prompt, run)
  if instruction and vim.trim(instruction) ~= '' then
    run(instruction)
  else
    vim.ui.input({ prompt = prompt }, function(text)
      if text and vim.trim(text) ~= '' then run(text) end
    end)
  end
end

--- Runs spark.edit on lines `line1`..`line2` (1-based, inclusive) of the current buffer (scope "selection").
function M.edit(line1, line2, instruction)
  local client, bufnr = attached()
  if not client then return end
  with_instruction(instruction, 'Spark edit: ', function(text)
    local last = vim.api.nvim_buf_get_lines(bufnr, line2 - 1, line2, false)[1] or ''
    run_edit(client, bufnr, {
      uri = vim.uri_from_bufnr(bufnr),
      -- whole lines; the character of the end is counted in UTF-16 as LSP wants
      range = {
        start = { line = line1 - 1, character = 0 },
        ['end'] = { line = line2 - 1, character = utf16_len(last) },
      },
      instruction = text,
      scope = 'selection',
    })
  end)
end

--- Runs spark.edit on the current file (scope "file") or its workspace folder (scope "workspace").
function M.edit_scope(scope, instruction)
  local client, bufnr = attached()
  if not client then return end
  local prompt = scope == 'workspace' and 'Spark edit (workspace): ' or 'Spark edit (file): '
  with_instruction(instruction, prompt, function(text)
    run_edit(client, bufnr, { uri = vim.uri_from_bufnr(bufnr), instruction = text, scope = scope })
  end)
end

--- Writes tests for the function under the cursor (or the file): runs the server's "Spark: Write tests for"
--- code action. Its target (command arguments, or the data a resolving client gets) goes to spark.edit, so
--- the edit is applied by the server whatever the client's code action support.
function M.tests()
  local client, bufnr = attached()
  if not client then return end
  local cursor = vim.api.nvim_win_get_cursor(0)
  local line = vim.api.nvim_buf_get_lines(bufnr, cursor[1] - 1, cursor[1], false)[1] or ''
  local position = { line = cursor[1] - 1, character = utf16_len(line:sub(1, cursor[2])) }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = position, ['end'] = position },
    context = { diagnostics = {}, only = { 'source' } },
  }
  request(client, 'textDocument/codeAction', params, function(err, actions)
    if err then
      vim.notify('Spark: code actions failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    for _, action in ipairs(actions or {}) do
      if type(action.title) == 'string' and action.title:find('^Spark: Write tests for ') then
        local target = action.command and action.command.arguments and action.command.arguments[1] or action.data
        if target then return run_edit(client, bufnr, target) end
      end
    end
    vim.notify('Spark: no tests to write here', vim.log.levels.WARN)
  end, bufnr)
end

--- Runs spark.review on the current buffer; with `line1`..`line2` (1-based, inclusive), on those lines only.
function M.review(line1, line2)
  local client, bufnr = attached()
  if not client then return end
  local target = { uri = vim.uri_from_bufnr(bufnr) }
  if line1 and line2 then
    target.range = { start = { line = line1 - 1, character = 0 }, ['end'] = { line = line2 - 1, character = 0 } }
  end
  request(client, 'workspace/executeCommand', { command = 'spark.review', arguments = { target } }, function(err, result)
    if err then
      vim.notify('Spark review failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    elseif result and result.reviewed then
      vim.notify(('Spark review: %d finding(s)'):format(result.findings or 0), vim.log.levels.INFO)
    end
  end, bufnr)
end

local function on_attach(client, bufnr)
  if vim.lsp.completion and vim.lsp.completion.enable then
    vim.lsp.completion.enable(true, client.id, bufnr, { autotrigger = config.autotrigger })
  else
    vim.api.nvim_buf_set_option(bufnr, 'omnifunc', 'v:lua.vim.lsp.omnifunc')
  end
  if config.edit_key then
    vim.keymap.set('x', config.edit_key, ':SparkEdit<CR>', { buffer = bufnr, silent = true, desc = 'Spark edit' })
  end
end

function M.setup(opts)
  config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  vim.api.nvim_create_user_command('SparkEdit', function(args)
    M.edit(args.line1, args.line2, args.args)
  end, { range = true, nargs = '?', desc = 'Edit the selected lines with Spark' })
  vim.api.nvim_create_user_command('SparkEditFile', function(args)
    M.edit_scope('file', args.args)
  end, { nargs = '?', desc = 'Edit the current file with Spark' })
  vim.api.nvim_create_user_command('SparkEditWorkspace', function(args)
    M.edit_scope('workspace', args.args)
  end, { nargs = '?', desc = 'Edit files of the workspace with Spark (may create files)' })
  vim.api.nvim_create_user_command('SparkTests', function()
    M.tests()
  end, { nargs = 0, desc = 'Write tests for the function under the cursor with Spark' })
  vim.api.nvim_create_user_command('SparkReview', function(args)
    if args.range > 0 then M.review(args.line1, args.line2) else M.review() end
  end, { range = true, desc = 'Review the buffer (its unsaved changes, or the given lines) with the review model' })
  vim.api.nvim_create_user_command('SparkStatus', function()
    local client = client_for(vim.api.nvim_get_current_buf())
    if not client then
      vim.notify('spark-lsp is not attached to this buffer', vim.log.levels.WARN)
      return
    end
    local function show(err, result)
      if err then
        vim.notify('Spark status failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
        return
      end
      on_status(nil, result)
      vim.notify(vim.inspect(result))
    end
    local params = { command = 'spark.status' }
    if modern then client:request('workspace/executeCommand', params, show) else client.request('workspace/executeCommand', params, show) end
  end, { desc = 'Show the status of spark-lsp' })

  local server = {
    name = 'spark',
    cmd = config.cmd,
    filetypes = config.filetypes,
    settings = { spark = config.settings },
    root_markers = { '.git' },
    on_attach = on_attach,
    handlers = handlers,
  }
  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config('spark', server)
    vim.lsp.enable('spark')
    if config.inline and vim.lsp.inline_completion then
      vim.lsp.inline_completion.enable(true)
      if config.inline_accept then
        vim.keymap.set('i', config.inline_accept, function()
          if not vim.lsp.inline_completion.get() then return config.inline_accept end
        end, { expr = true, replace_keycodes = true, desc = 'Accept a Spark suggestion' })
      end
    end
    return
  end

  -- Neovim 0.7-0.10: one client, attached to each buffer of a configured filetype.
  local client_id
  vim.api.nvim_create_autocmd('FileType', {
    pattern = config.filetypes,
    callback = function(ev)
      if not client_id or not vim.lsp.get_client_by_id(client_id) then
        client_id = vim.lsp.start_client({
          name = 'spark',
          cmd = config.cmd,
          root_dir = vim.fn.getcwd(),
          settings = { spark = config.settings },
          on_attach = on_attach,
          handlers = handlers,
        })
      end
      if client_id then vim.lsp.buf_attach_client(ev.buf, client_id) end
    end,
  })
end

return M
