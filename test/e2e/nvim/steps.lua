-- Step runner shared by the headless Neovim e2e scripts (0.7 and 0.12): each step acts, then returns a
-- predicate polled from a timer on the main loop (vim.wait would not let typed keys be processed).
-- A step that does not come true within its timeout fails the run with :cquit 1.
local api = vim.api
local uv = vim.uv or vim.loop
local M = {}

function M.line(n) return api.nvim_buf_get_lines(0, n - 1, n, false)[1] end

function M.fail(why)
  io.stderr:write('FAIL: ' .. why .. '\n')
  vim.cmd('cquit 1')
end

function M.run(steps, i)
  i = i or 1
  if i > #steps then return end
  local s = steps[i]
  io.stderr:write('step: ' .. s.name .. '\n')
  local pred, deadline = s.act(), uv.now() + (s.timeout or 8000)
  local timer = uv.new_timer()
  timer:start(20, 20, vim.schedule_wrap(function()
    if not timer:is_active() then return end
    if pred() then
      timer:stop(); timer:close(); M.run(steps, i + 1)
    elseif uv.now() > deadline then
      timer:stop(); timer:close()
      M.fail(s.name .. ' timed out; lines: ' .. vim.inspect(api.nvim_buf_get_lines(0, 0, 8, false)))
    end
  end))
end

-- The last two steps of a Neovim 0.12 script: run the Ex command `write`, stop the client that `client()`
-- returns (0.12's Client:stop()) and wait until it is gone, then quit; the run passes when Neovim exits 0.
function M.finish(client, write)
  return { name = 'write, stop the client, exit', act = function()
      vim.cmd(write)
      client():stop()
      return function() return client() == nil end
    end },
    { name = 'exit 0', act = function() vim.cmd('qall!'); return function() return false end end }
end

return M
