-- wrk script: GET one opportunity by id, drawn at random from the seeded
-- set in MOSAIC_IDS. See common.lua for the environment.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local ids, headers, prefix

setup = common.setup

function init(args)
  common.seed()
  ids = common.lines(common.env("MOSAIC_IDS"))
  headers = common.headers()
  headers["Content-Type"] = nil
  prefix = common.records .. "/"
end

function request()
  return wrk.format("GET", prefix .. ids[math.random(#ids)], headers)
end
