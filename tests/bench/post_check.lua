-- wrk script: POST /api/v1/prescriptions/check as the prescribing screen
-- sends it while a clinician types a quantity: the rules evaluated against
-- the patient's plan and live prescriptions (CLIN_COOKIE, CLIN_CSRF and
-- CHECK_BODY from the environment, set up by scripts/bench).
local cookie = os.getenv("CLIN_COOKIE")
local csrf = os.getenv("CLIN_CSRF")
local body = os.getenv("CHECK_BODY")

request = function()
	return wrk.format("POST", "/api/v1/prescriptions/check", {
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
