-- Shared by the wrk scripts of cmd/mosaic-load (loaded with dofile).
-- The driver passes everything through the environment:
--   MOSAIC_TOKEN     the tenant's API token
--   MOSAIC_IDS       a file of opportunity ids, one a line (get.lua)
--   MOSAIC_ACCOUNTS  a file of account ids, one a line (list.lua, create.lua)
--   MOSAIC_RUN       a word unique to this run, for unique refs (create.lua)

local M = {}

M.records = "/api/v1/objects/opportunity/records"

function M.env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    error(name .. " is not set; run the scripts through mosaic-load")
  end
  return v
end

function M.lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  if #out == 0 then error(path .. " is empty") end
  return out
end

function M.headers()
  return {
    ["Authorization"] = "Bearer " .. M.env("MOSAIC_TOKEN"),
    ["Content-Type"] = "application/json",
  }
end

function M.urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Each thread numbers itself, so that threads draw different random
-- sequences and make different refs.
local counter = 0
function M.setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function M.seed()
  math.randomseed(os.time() * 100 + (thread_id or 0))
end

return M
