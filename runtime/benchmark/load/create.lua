-- wrk script: POST one new opportunity, all 15 fields set, with a unique
-- external id (ref) and a random account. See common.lua for the
-- environment.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local accounts, headers, run
local n = 0
local stages = { "prospect", "qualified", "proposal", "won", "lost" }
local tags = { '["new"]', '["renewal"]', '["upsell", "partner"]', '[]' }

setup = common.setup

function init(args)
  common.seed()
  accounts = common.lines(common.env("MOSAIC_ACCOUNTS"))
  headers = common.headers()
  run = common.env("MOSAIC_RUN")
end

function request()
  n = n + 1
  local body = string.format(
    '{"name":"Load opportunity %d","description":"Renewal of the yearly support contract with the customer\'s operations team; ' ..
    'includes onsite training, priority incident handling and quarterly reviews.",' ..
    '"amount":%d.%02d,"quantity":%d,"probability":%d.%02d,"close_date":"2026-%02d-%02d",' ..
    '"last_activity":"2026-03-01T08:%02d:%02d.123456Z","won":%s,"stage":"%s","tags":%s,' ..
    '"contact_email":"load%d@example.com","contact_phone":"+1 555 01%02d","website":"https://example.com/l/%d",' ..
    '"ref":"LOAD-%s-%d-%d","account":"%s"}',
    n, math.random(0, 99999), math.random(0, 99), math.random(1, 500), math.random(0, 99), math.random(0, 99),
    math.random(1, 12), math.random(1, 28), math.random(0, 59), math.random(0, 59),
    (n % 5 == 3) and "true" or "false", stages[n % #stages + 1], tags[n % #tags + 1],
    n, n % 100, n % 1000, run, thread_id or 0, n, accounts[math.random(#accounts)])
  return wrk.format("POST", common.records, headers, body)
end
