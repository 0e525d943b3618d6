-- wrk script: POSTs valid survey answers (the test fixture's survey) to the
-- endpoint, each with a different postcode so every row is distinct.
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  counter = counter + 1
  local body = "_survey=wellbeing&_version=3f2a9c0d1e4b5a6c&_lang=en&age=1&feel.sleep=2"
    .. "&feel.food=3&help_before=2&postcode=" .. string.format("%05d", counter % 100000)
  return wrk.format(nil, "/submit", nil, body)
end
