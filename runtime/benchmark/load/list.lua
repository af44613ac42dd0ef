-- wrk script: a filtered, sorted page of 50 opportunities of a random
-- account — about 200 of the account's rows, 120 of them in an open stage,
-- sorted by amount descending. See common.lua for the environment.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local paths, headers

setup = common.setup

function init(args)
  common.seed()
  headers = common.headers()
  headers["Content-Type"] = nil
  paths = {}
  for i, account in ipairs(common.lines(common.env("MOSAIC_ACCOUNTS"))) do
    local filter = 'account == "' .. account .. '" && stage in ["prospect", "qualified", "proposal"]'
    paths[i] = common.records .. "?filter=" .. common.urlencode(filter) .. "&sort=-amount&limit=50"
  end
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
