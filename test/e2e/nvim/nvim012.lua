-- Neovim 0.12 end to end, every step through what a user does: keys fed with nvim_input() go through the
-- same loop as a terminal user's. Loads clients/neovim exactly as a user would.
-- Run: nvim --headless -u NONE -i NONE -n +'luafile nvim012.lua' demo.ts   (exit 0 = every step passed)
local api = vim.api
local steps = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'steps.lua')
local line, run = steps.line, steps.run
local function has_virt_text()
  for _, m in ipairs(api.nvim_buf_get_extmarks(0, -1, 0, -1, { details = true })) do
    if m[4].virt_text or m[4].virt_lines then return true end
  end
  return false
end

vim.lsp.log.set_level('debug')
vim.opt.runtimepath:append(vim.env.SPARK_CLIENTS .. '/neovim')
require('spark_lsp').setup({ inline = true, inline_accept = '<C-l>' })
vim.o.completeopt = 'menuone,noinsert'
vim.o.showmode = false
vim.cmd('filetype on')  -- -u NONE leaves detection off; a user's config has it on
vim.cmd('edit')  -- the buffer was read before setup: detect its filetype now so vim.lsp.enable attaches

local function spark()
  return vim.lsp.get_clients({ bufnr = 0, name = 'spark' })[1]
end

run({
  { name = 'spark-lsp attaches and initializes', act = function()
      return function() local c = spark(); return c ~= nil and c.initialized end
    end },
  { name = 'status line: spark/status says connected over WebSocket', act = function()
      return function()
        local s = require('spark_lsp').status()
        return require('spark_lsp').statusline() == 'Spark' and s.transport == 'websocket' and s.connections >= 1
      end
    end },
  { name = 'completion: A <C-x><C-o>, the popup shows the Spark item', act = function()
      api.nvim_input('gg' .. 'A<C-x><C-o>')
      return function() return vim.fn.pumvisible() == 1 end
    end },
  { name = 'completion: <C-y> applies the textEdit', act = function()
      api.nvim_input('<C-y><Esc>')
      return function() return line(1) == 'const greeting = helloWorld;' end
    end },
  { name = 'inline completion: ghost text appears in the body of names()', act = function()
      api.nvim_win_set_cursor(0, { 3, 0 })
      api.nvim_input('A')
      return has_virt_text
    end },
  { name = 'inline completion: <C-l> accepts it', act = function()
      api.nvim_input('<C-l>')
      return function() return line(3) == '  return items.map((i) => i.name);' end
    end },
  { name = 'code action: the instruction comment, applied through codeAction/resolve', act = function()
      api.nvim_input('<Esc>')
      vim.schedule(function()
        api.nvim_win_set_cursor(0, { 5, 0 })
        vim.lsp.buf.code_action({ apply = true, filter = function(a) return a.title == 'Spark: use const' end })
      end)
      return function() return line(5) == 'const total = 0' end
    end },
  { name = 'Spark edit: <leader>se on a visual selection, instruction from vim.ui.input', act = function()
      vim.ui.input = function(_, on_confirm) on_confirm('add the missing semicolon') end
      api.nvim_win_set_cursor(0, { 5, 0 })
      api.nvim_input('V\\se')
      return function() return line(5) == 'const total = 0;' end
    end },
  { name = 'typing while completions are in flight: each keystroke asks again, superseding the last', act = function()
      api.nvim_input('<Esc>Go')
      local keys = { 'l', '<C-x><C-o>', 'e', '<C-x><C-o>', 't', '<C-x><C-o>' }
      local typed = false
      for k, key in ipairs(keys) do
        vim.defer_fn(function() api.nvim_input(key); typed = k == #keys end, k * 60)
      end
      return function() return typed and vim.fn.pumvisible() == 1 end
    end },
  { name = 'typing: <C-y> accepts the answer to the last keystroke', act = function()
      api.nvim_input('<C-y><Esc>')
      return function() return line(6) == 'let answer = 42;' end
    end },
  steps.finish(spark, 'silent write'),
})
