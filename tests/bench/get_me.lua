-- wrk script: GET /api/v1/auth/me with a valid session (COOKIE from the environment).
local cookie = os.getenv("COOKIE")

request = function()
	return wrk.format("GET", "/api/v1/auth/me", { ["Cookie"] = cookie })
end

response = function(status, headers, body)
	if status ~= 200 then
		io.stderr:write("unexpected status " .. status .. "\n")
	end
end
