-- Neovim 0.12 end to end for reviews: a Spark edit is reviewed in the background, the finding shows as a
-- diagnostic, its "Spark: Fix" quick fix applies through codeAction/resolve, and :SparkReview reviews the
-- unsaved changes on demand. Loads clients/neovim exactly as a user would.
-- Run: nvim --headless -u NONE -i NONE -n +'luafile nvim012-review.lua' stats.ts   (exit 0 = every step passed)
local api = vim.api
local steps = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'steps.lua')
local line, run, fail = steps.line, steps.run, steps.fail

vim.lsp.log.set_level('debug')
vim.opt.runtimepath:append(vim.env.SPARK_CLIENTS .. '/neovim')
require('spark_lsp').setup({ inline = false })
vim.cmd('filetype on')
vim.cmd('edit')

local function spark()
  return vim.lsp.get_clients({ bufnr = 0, name = 'spark' })[1]
end

local function reviews()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if d.source == 'spark-review' then table.insert(found, d) end
  end
  return found
end

local notified = {}
vim.notify = function(msg) table.insert(notified, msg) end

-- The status line as it reads at each spark/status the server sends.
local statuslines = {}
api.nvim_create_autocmd('User', { pattern = 'SparkStatus', callback = function()
  table.insert(statuslines, require('spark_lsp').statusline())
end })

local DIVISION = '[P1] Division by zero when values is empty'

run({
  { name = 'spark-lsp attaches and initializes', act = function()
      return function() local c = spark(); return c ~= nil and c.initialized end
    end },
  { name = 'Spark edit: the empty check is dropped', act = function()
      require('spark_lsp').edit(2, 2, 'drop the empty check')
      return function() return line(2) == '  // values are never empty' end
    end },
  { name = 'the background review shows its finding as an error on the division', act = function()
      return function()
        local found = reviews()
        return #found == 1 and found[1].message == DIVISION and found[1].lnum == 4
          and found[1].severity == vim.diagnostic.severity.ERROR
      end
    end, timeout = 15000 },
  { name = "status line: 'Spark+review' while that review ran, 'Spark' once it ended with one finding", act = function()
      return function()
        local s = require('spark_lsp').status()
        return vim.tbl_contains(statuslines, 'Spark+review') and statuslines[#statuslines] == 'Spark'
          and s.reviews.running == 0 and type(s.reviews.last) == 'table' and s.reviews.last.findings == 1
      end
    end },
  { name = 'the quick fix "Spark: Fix <title>" applies through codeAction/resolve', act = function()
      api.nvim_win_set_cursor(0, { 5, 4 })
      vim.lsp.buf.code_action({ apply = true, filter = function(a) return a.title == 'Spark: Fix ' .. DIVISION end })
      return function() return line(5) == '  return values.length === 0 ? 0 : total / values.length;' end
    end, timeout = 15000 },
  { name = 'the finding is gone once the fix changed its line and the file was reviewed again', act = function()
      return function() return #reviews() == 0 end
    end, timeout = 15000 },
  { name = ':SparkReview reviews the unsaved changes and shows the finding', act = function()
      vim.cmd('SparkReview')
      return function()
        local found = reviews()
        return #found == 1 and found[1].message == '[P2] The comment promises what callers do not'
          and found[1].severity == vim.diagnostic.severity.WARN and found[1].lnum == 1
      end
    end, timeout = 15000 },
  { name = ':SparkReview reports the count', act = function()
      return function()
        for _, m in ipairs(notified) do if m == 'Spark review: 1 finding(s)' then return true end end
        return false
      end
    end },
  steps.finish(spark, 'silent write'),
})
