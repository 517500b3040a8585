-- Neovim 0.12 end to end for edits beyond the selection: :SparkTests writes tests for the function under the
-- cursor into a new test file (a CreateFile plus its content in one workspace/applyEdit), which then shows in
-- the buffer list; :SparkEditWorkspace changes a file that is not open. Loads clients/neovim as a user would.
-- Run: nvim --headless -u NONE -i NONE -n +'luafile tests012.lua' src/total.ts   (exit 0 = every step passed)
local api = vim.api
local steps = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'steps.lua')
local line, run = steps.line, steps.run

vim.lsp.log.set_level('debug')
vim.opt.runtimepath:append(vim.env.SPARK_CLIENTS .. '/neovim')
require('spark_lsp').setup({ inline = false })
vim.cmd('filetype on')
vim.cmd('edit')

local source = api.nvim_get_current_buf()
local function spark()
  return vim.lsp.get_clients({ bufnr = source, name = 'spark' })[1]
end

--- The listed buffer whose name ends with `suffix`, or nil.
local function listed(suffix)
  for _, info in ipairs(vim.fn.getbufinfo({ buflisted = 1 })) do
    if info.name:sub(-#suffix) == suffix then return info end
  end
end

local function lines_of(bufnr) return api.nvim_buf_get_lines(bufnr, 0, -1, false) end

run({
  { name = 'spark-lsp attaches with the workspace folder', act = function()
      return function()
        local c = spark()
        return c ~= nil and c.initialized and c.workspace_folders ~= nil and #c.workspace_folders == 1
      end
    end },
  { name = ':SparkTests in mean() creates src/total.test.ts, listed as a buffer', act = function()
      api.nvim_win_set_cursor(0, { 10, 4 })
      vim.cmd('SparkTests')
      return function() return listed('/src/total.test.ts') ~= nil end
    end, timeout = 15000 },
  { name = 'the new buffer holds the tests, and the source is unchanged', act = function()
      return function()
        local info = listed('/src/total.test.ts')
        local text = table.concat(lines_of(info.bufnr), '\n')
        return text:find("test('mean of nothing'", 1, true) ~= nil and line(10) == '  return total(xs) / xs.length;'
      end
    end },
  { name = ':SparkEditWorkspace changes src/math.ts, which is not open', act = function()
      if listed('/src/math.ts') then steps.fail('src/math.ts was already open') end
      vim.ui.input = function(_, on_confirm) on_confirm('give add a default for b') end
      vim.cmd('SparkEditWorkspace')
      return function()
        local info = listed('/src/math.ts')
        return info ~= nil and lines_of(info.bufnr)[1] == 'export function add(a: number, b = 0): number {'
      end
    end, timeout = 15000 },
  steps.finish(spark, 'silent wall'),
})
