-- wrk script: GET /api/v1/appointments/slots for the coming week, as a
-- patient would browse them (COOKIE and SLOTS_QUERY from the environment).
local cookie = os.getenv("COOKIE")
local path = "/api/v1/appointments/slots?" .. os.getenv("SLOTS_QUERY")

request = function()
	return wrk.format("GET", path, { ["Cookie"] = cookie })
end

response = function(status, headers, body)
	if status ~= 200 then
		io.stderr:write("unexpected status " .. status .. "\n")
	end
end
