-- wrk script: an authenticated, audited write (PUT /api/v1/auth/me/preferences).
-- COOKIE and CSRF come from the environment (scripts/bench signs in first).
local cookie = os.getenv("COOKIE")
local csrf = os.getenv("CSRF")
local themes = { "light", "dark", "system" }
local n = 0

request = function()
	n = n + 1
	local body = '{"theme":"' .. themes[(n % 3) + 1] .. '"}'
	return wrk.format("PUT", "/api/v1/auth/me/preferences", {
		["Cookie"] = cookie,
		["X-CSRF-Token"] = csrf,
		["Content-Type"] = "application/json",
	}, body)
end

response = function(status, headers, body)
	if status ~= 200 then
		io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
	end
end
