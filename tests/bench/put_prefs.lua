-- wrk script: an authenticated, audited write (PUT /api/v1/auth/me/preferences)
-- by many patients at once, as in real use: each request is one patient's,
-- round robin over the sessions in $SESSIONS (lines "cookie csrf", written
-- by scripts/bench). Every request appends one row to the one audit chain.
local sessions = {}
local themes = { "light", "dark", "system" }
local n = 0

init = function(args)
	for line in io.lines(os.getenv("SESSIONS")) do
		local cookie, csrf = line:match("^(%S+) (%S+)$")
		if cookie then
			sessions[#sessions + 1] = { cookie = cookie, csrf = csrf }
		end
	end
end

request = function()
	n = n + 1
	local s = sessions[(n % #sessions) + 1]
	local body = '{"theme":"' .. themes[(n % 3) + 1] .. '"}'
	return wrk.format("PUT", "/api/v1/auth/me/preferences", {
		["Cookie"] = s.cookie,
		["X-CSRF-Token"] = s.csrf,
		["Content-Type"] = "application/json",
	}, body)
end

response = function(status, headers, body)
	if status ~= 200 then
		io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
	end
end
