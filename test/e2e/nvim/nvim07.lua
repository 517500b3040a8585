-- Neovim 0.7.2 (Debian) end to end with clients/neovim's fallback path (vim.lsp.start_client):
-- completion through omnifunc, a code action through codeAction/resolve, and :SparkEdit.
-- Run: nvim --headless -u NONE -i NONE -n +'luafile nvim07.lua' demo.ts   (exit 0 = every step passed)
local api = vim.api
local steps = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'steps.lua')
local line, run = steps.line, steps.run

vim.opt.runtimepath:append(vim.env.SPARK_CLIENTS .. '/neovim')
require('spark_lsp').setup({})
vim.o.completeopt = 'menuone,noinsert'
vim.o.showmode = false
vim.cmd('filetype on')  -- -u NONE leaves detection off; a user's config has it on
vim.cmd('edit')  -- detect the filetype now that the FileType autocmd exists

local function spark()
  for _, c in pairs(vim.lsp.buf_get_clients(0)) do
    if c.name == 'spark' then return c end
  end
end

run({
  { name = 'spark-lsp attaches and initializes', act = function()
      return function() local c = spark(); return c ~= nil and c.initialized end
    end },
  { name = 'status line: spark/status says connected over WebSocket', act = function()
      return function()
        local s = require('spark_lsp').status()
        return require('spark_lsp').statusline() == 'Spark' and s.transport == 'websocket'
      end
    end },
  { name = 'completion: A <C-x><C-o> shows the Spark item', act = function()
      api.nvim_input('ggA<C-x><C-o>')
      return function() return vim.fn.pumvisible() == 1 end
    end },
  { name = 'completion: <C-y> inserts it', act = function()
      api.nvim_input('<C-y><Esc>')
      return function() return line(1) == 'const greeting = helloWorld;' end
    end },
  { name = 'code action: the instruction comment, through codeAction/resolve', act = function()
      vim.ui.select = function(items, _, on_choice)
        for _, item in ipairs(items) do
          if item[2].title == 'Spark: use const' then return on_choice(item) end
        end
        on_choice(nil)
      end
      api.nvim_win_set_cursor(0, { 5, 0 })
      vim.lsp.buf.code_action()
      return function() return line(5) == 'const total = 0' end
    end },
  { name = ':SparkEdit with an instruction runs spark.edit', act = function()
      vim.cmd('5SparkEdit add the missing semicolon')
      return function() return line(5) == 'const total = 0;' end
    end },
  { name = 'write, stop, exit', act = function()
      vim.cmd('silent write')
      vim.lsp.stop_client(spark().id)
      return function() return spark() == nil end
    end },
  { name = 'exit 0', act = function() vim.cmd('qall!'); return function() return false end end },
})
