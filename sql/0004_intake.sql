-- Smart intake (modules/intake): questionnaires and eligibility rules as
-- versioned data, patients' responses, and the clinicians' review queue.
-- The definition format is a FHIR R4 Questionnaire plus "scoring" and
-- "flags"; the rules format is described in docs/API.md#intake.

-- One row per version of a questionnaire; a new version is a new row, and a
-- response keeps the version it was started on.
CREATE TABLE intake_questionnaire (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	qkey		VARCHAR(64) NOT NULL,
	version		INT UNSIGNED NOT NULL,
	title		VARCHAR(200) NOT NULL,
	definition	JSON NOT NULL,
	created_by	BIGINT UNSIGNED NULL,	-- NULL: shipped by a migration
	created_at	DATETIME(6) NOT NULL,
	UNIQUE KEY intake_questionnaire_version (qkey, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Eligibility rules for a questionnaire, versioned the same way; a
-- submission is judged by the newest version and records which one.
CREATE TABLE intake_rules (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	qkey		VARCHAR(64) NOT NULL,
	version		INT UNSIGNED NOT NULL,
	rules		JSON NOT NULL,
	created_by	BIGINT UNSIGNED NULL,
	created_at	DATETIME(6) NOT NULL,
	UNIQUE KEY intake_rules_version (qkey, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A patient's answers to one questionnaire version. At most one response per
-- patient and questionnaire is in progress (open_key is NULL once submitted);
-- a save after submission starts a new one.
CREATE TABLE intake_response (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	patient_id	BIGINT UNSIGNED NOT NULL,
	qkey		VARCHAR(64) NOT NULL,
	q_version	INT UNSIGNED NOT NULL,
	status		ENUM('in-progress','completed') NOT NULL DEFAULT 'in-progress',
	open_key	VARCHAR(64) AS (IF(status = 'in-progress', qkey, NULL)) PERSISTENT,
	answers		JSON NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	submitted_at	DATETIME(6) NULL,
	rules_version	INT UNSIGNED NULL,
	outcome		ENUM('eligible','needs_review','not_eligible') NULL,
	result		JSON NULL,		-- {outcome, title, text, reasons, flags, help, scores}
	decision	ENUM('eligible','not_eligible') NULL,	-- a clinician's, after review
	decision_note	TEXT NULL,
	decided_by	BIGINT UNSIGNED NULL,
	decided_at	DATETIME(6) NULL,
	UNIQUE KEY intake_response_open (patient_id, open_key),
	KEY intake_response_patient (patient_id, qkey, id),
	CONSTRAINT intake_response_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id)
		ON DELETE CASCADE,
	CONSTRAINT intake_response_version_fk FOREIGN KEY (qkey, q_version)
		REFERENCES intake_questionnaire (qkey, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Submissions a clinician must look at (needs_review, or any with flags).
CREATE TABLE intake_review (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	response_id	BIGINT UNSIGNED NOT NULL,
	patient_id	BIGINT UNSIGNED NOT NULL,
	status		ENUM('open','closed') NOT NULL DEFAULT 'open',
	reasons		JSON NOT NULL,		-- [{code, text}]
	flags		JSON NOT NULL,		-- [{code, text}]
	created_at	DATETIME(6) NOT NULL,
	decision	ENUM('eligible','not_eligible') NULL,
	note		TEXT NULL,
	decided_by	BIGINT UNSIGNED NULL,
	decided_at	DATETIME(6) NULL,
	UNIQUE KEY intake_review_response (response_id),
	KEY intake_review_status (status, id),
	CONSTRAINT intake_review_response_fk FOREIGN KEY (response_id)
		REFERENCES intake_response (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

GRANT SELECT, INSERT ON intake_questionnaire TO clinic_app_role;
GRANT SELECT, INSERT ON intake_rules TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON intake_response TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON intake_review TO clinic_app_role;

-- The shipped questionnaires (version 1): the clinic's intake (one flow in
-- sections, with PHQ-9 and GAD-7 inside it and the psychiatric branch), and
-- PHQ-9 and GAD-7 on their own for outcome tracking later.
INSERT INTO intake_questionnaire (qkey, version, title, definition, created_at) VALUES
	('intake', 1, 'Your health questionnaire', '{
	"resourceType": "Questionnaire",
	"name": "ClinicIntake",
	"title": "Your health questionnaire",
	"status": "active",
	"description": "What the clinic needs to know before a consultation: your condition, treatments you have tried, medicines, pregnancy, substance use, mood and anxiety, and mental health history.",
	"item": [
		{
			"linkId": "condition",
			"type": "group",
			"text": "Your condition",
			"item": [
				{
					"linkId": "conditions",
					"text": "Which conditions do you want treatment for? Choose all that apply.",
					"type": "choice",
					"required": true,
					"repeats": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "chronic-pain",
								"display": "Chronic pain"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "neuropathic-pain",
								"display": "Nerve pain (neuropathic pain)"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "fibromyalgia",
								"display": "Fibromyalgia"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "ms-spasticity",
								"display": "Muscle stiffness or spasms from multiple sclerosis"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "anxiety",
								"display": "Anxiety disorder"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "ptsd",
								"display": "Post-traumatic stress disorder (PTSD)"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "insomnia",
								"display": "Insomnia"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "epilepsy",
								"display": "Epilepsy"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "chemo-nausea",
								"display": "Feeling sick or being sick from chemotherapy"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "other",
								"display": "Something else"
							}
						}
					]
				},
				{
					"linkId": "condition-other",
					"text": "What is the other condition?",
					"type": "string",
					"required": true,
					"maxLength": 200,
					"enableWhen": [
						{
							"question": "conditions",
							"operator": "=",
							"answerCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "other"
							}
						}
					]
				},
				{
					"linkId": "condition-years",
					"text": "How many years have you had it?",
					"type": "integer",
					"required": false,
					"extension": [
						{
							"url": "http://hl7.org/fhir/StructureDefinition/minValue",
							"valueInteger": 0
						},
						{
							"url": "http://hl7.org/fhir/StructureDefinition/maxValue",
							"valueInteger": 100
						}
					]
				},
				{
					"linkId": "treatments-tried",
					"text": "Which licensed treatments have you already tried for it? Choose all that apply.",
					"type": "choice",
					"required": true,
					"repeats": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "painkillers",
								"display": "Prescribed painkillers, such as codeine, tramadol or morphine"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "nerve-pain-medicines",
								"display": "Nerve pain medicines, such as gabapentin, pregabalin or amitriptyline"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "antidepressants",
								"display": "Antidepressants, such as sertraline or duloxetine"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "anti-anxiety",
								"display": "Anxiety medicines, such as buspirone or propranolol"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "sleep-medicines",
								"display": "Sleeping tablets, such as zopiclone"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "anti-epileptics",
								"display": "Epilepsy medicines, such as sodium valproate or levetiracetam"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "anti-sickness",
								"display": "Anti-sickness medicines, such as ondansetron"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "muscle-relaxants",
								"display": "Muscle relaxants, such as baclofen or tizanidine"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "physiotherapy",
								"display": "Physiotherapy"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "talking-therapy",
								"display": "Talking therapy, such as CBT"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "none",
								"display": "None of these"
							}
						}
					]
				},
				{
					"linkId": "treatments-detail",
					"text": "Anything to add about these treatments? For example how long you took them and why you stopped.",
					"type": "text",
					"required": false,
					"maxLength": 2000
				}
			]
		},
		{
			"linkId": "medicines",
			"type": "group",
			"text": "Medicines and allergies",
			"item": [
				{
					"linkId": "takes-medicines",
					"text": "Do you take any medicines at the moment, including ones you buy?",
					"type": "boolean",
					"required": true
				},
				{
					"linkId": "medicines-list",
					"text": "Which medicines, and how much of each?",
					"type": "text",
					"required": true,
					"maxLength": 2000,
					"enableWhen": [
						{
							"question": "takes-medicines",
							"operator": "=",
							"answerBoolean": true
						}
					]
				},
				{
					"linkId": "has-allergies",
					"text": "Do you have any allergies?",
					"type": "boolean",
					"required": true
				},
				{
					"linkId": "allergies-list",
					"text": "What are you allergic to, and what happens?",
					"type": "text",
					"required": true,
					"maxLength": 1000,
					"enableWhen": [
						{
							"question": "has-allergies",
							"operator": "=",
							"answerBoolean": true
						}
					]
				}
			]
		},
		{
			"linkId": "pregnancy-group",
			"type": "group",
			"text": "Pregnancy",
			"item": [
				{
					"linkId": "pregnancy",
					"text": "Do any of these apply to you? Choose all that apply.",
					"type": "choice",
					"required": true,
					"repeats": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "pregnant",
								"display": "I am pregnant"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "breastfeeding",
								"display": "I am breast-feeding"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "planning",
								"display": "I am planning a pregnancy in the next 12 months"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "none",
								"display": "None of these"
							}
						}
					]
				}
			]
		},
		{
			"linkId": "substances",
			"type": "group",
			"text": "Alcohol, smoking and drugs",
			"item": [
				{
					"linkId": "alcohol",
					"text": "How often do you have a drink containing alcohol?",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "never",
								"display": "Never"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "monthly",
								"display": "Monthly or less"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "2-4-month",
								"display": "2 to 4 times a month"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "2-3-week",
								"display": "2 to 3 times a week"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "4-plus-week",
								"display": "4 or more times a week"
							}
						}
					]
				},
				{
					"linkId": "smoking",
					"text": "Do you smoke tobacco?",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "never",
								"display": "I have never smoked"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "former",
								"display": "I used to smoke"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "current",
								"display": "I smoke now"
							}
						}
					]
				},
				{
					"linkId": "cannabis-use",
					"text": "Have you used cannabis before?",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "never",
								"display": "Never"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "past",
								"display": "Yes, in the past"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "current",
								"display": "Yes, I use it now"
							}
						}
					]
				},
				{
					"linkId": "cannabis-frequency",
					"text": "How often do you use cannabis now?",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "daily",
								"display": "Every day or almost every day"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "weekly",
								"display": "Once or a few times a week"
							}
						},
						{
							"valueCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "less",
								"display": "Less often"
							}
						}
					],
					"enableWhen": [
						{
							"question": "cannabis-use",
							"operator": "=",
							"answerCoding": {
								"system": "https://clinic.example/fhir/CodeSystem/intake",
								"code": "current"
							}
						}
					]
				},
				{
					"linkId": "other-drugs",
					"text": "Do you use any other recreational drugs?",
					"type": "boolean",
					"required": true
				},
				{
					"linkId": "other-drugs-detail",
					"text": "Which ones, and how often?",
					"type": "text",
					"required": true,
					"maxLength": 1000,
					"enableWhen": [
						{
							"question": "other-drugs",
							"operator": "=",
							"answerBoolean": true
						}
					]
				}
			]
		},
		{
			"linkId": "phq9",
			"type": "group",
			"text": "How you have been feeling (PHQ-9)",
			"item": [
				{
					"linkId": "phq9-intro",
					"type": "display",
					"text": "Over the last 2 weeks, how often have you been bothered by the following problems?"
				},
				{
					"linkId": "phq9-1",
					"text": "Little interest or pleasure in doing things",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-2",
					"text": "Feeling down, depressed, or hopeless",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-3",
					"text": "Trouble falling or staying asleep, or sleeping too much",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-4",
					"text": "Feeling tired or having little energy",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-5",
					"text": "Poor appetite or overeating",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-6",
					"text": "Feeling bad about yourself, or that you are a failure or have let yourself or your family down",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-7",
					"text": "Trouble concentrating on things, such as reading the newspaper or watching television",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-8",
					"text": "Moving or speaking so slowly that other people could have noticed, or the opposite: being so fidgety or restless that you have been moving around a lot more than usual",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "phq9-9",
					"text": "Thoughts that you would be better off dead, or of hurting yourself in some way",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				}
			]
		},
		{
			"linkId": "gad7",
			"type": "group",
			"text": "Worry and anxiety (GAD-7)",
			"item": [
				{
					"linkId": "gad7-intro",
					"type": "display",
					"text": "Over the last 2 weeks, how often have you been bothered by the following problems?"
				},
				{
					"linkId": "gad7-1",
					"text": "Feeling nervous, anxious or on edge",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "gad7-2",
					"text": "Not being able to stop or control worrying",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "gad7-3",
					"text": "Worrying too much about different things",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "gad7-4",
					"text": "Trouble relaxing",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "gad7-5",
					"text": "Being so restless that it is hard to sit still",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "gad7-6",
					"text": "Becoming easily annoyed or irritable",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				},
				{
					"linkId": "gad7-7",
					"text": "Feeling afraid as if something awful might happen",
					"type": "choice",
					"required": true,
					"answerOption": [
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5",
								"display": "Not at all"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 0
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6569-3",
								"display": "Several days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 1
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6570-1",
								"display": "More than half the days"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 2
								}
							]
						},
						{
							"valueCoding": {
								"system": "http://loinc.org",
								"code": "LA6571-9",
								"display": "Nearly every day"
							},
							"extension": [
								{
									"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
									"valueDecimal": 3
								}
							]
						}
					]
				}
			]
		},
		{
			"linkId": "mental-health",
			"type": "group",
			"text": "Your mental health history",
			"item": [
				{
					"linkId": "psychosis",
					"text": "Have you ever been diagnosed with psychosis or schizophrenia?",
					"type": "boolean",
					"required": true
				},
				{
					"linkId": "bipolar",
					"text": "Have you ever been diagnosed with bipolar disorder?",
					"type": "boolean",
					"required": true
				},
				{
					"linkId": "suicide-attempt",
					"text": "In the last 12 months, have you tried to end your life?",
					"type": "boolean",
					"required": true
				},
				{
					"linkId": "family-psychosis",
					"text": "Has a parent, brother or sister had psychosis or schizophrenia?",
					"type": "boolean",
					"required": true
				},
				{
					"linkId": "psych-screen",
					"type": "group",
					"text": "A few more questions about your safety",
					"enableBehavior": "any",
					"enableWhen": [
						{
							"question": "psychosis",
							"operator": "=",
							"answerBoolean": true
						},
						{
							"question": "bipolar",
							"operator": "=",
							"answerBoolean": true
						},
						{
							"question": "suicide-attempt",
							"operator": "=",
							"answerBoolean": true
						},
						{
							"question": "phq9-9",
							"operator": "!=",
							"answerCoding": {
								"system": "http://loinc.org",
								"code": "LA6568-5"
							}
						}
					],
					"item": [
						{
							"linkId": "psych-screen-intro",
							"type": "display",
							"text": "Thank you for telling us. These questions help our doctors look after you safely. If you feel you might act on thoughts of ending your life, call 999 or go to A&E now. You can talk to Samaritans any time, free, on 116 123."
						},
						{
							"linkId": "current-thoughts",
							"text": "Are you having thoughts of ending your life at the moment?",
							"type": "boolean",
							"required": true
						},
						{
							"linkId": "psych-under-care",
							"text": "Are you under the care of a mental health team or a psychiatrist now?",
							"type": "boolean",
							"required": true
						},
						{
							"linkId": "psych-care-team",
							"text": "Who looks after you (team or doctor, and where)?",
							"type": "string",
							"required": false,
							"maxLength": 200,
							"enableWhen": [
								{
									"question": "psych-under-care",
									"operator": "=",
									"answerBoolean": true
								}
							]
						},
						{
							"linkId": "psych-support",
							"text": "Is there someone you can talk to if you feel unsafe?",
							"type": "boolean",
							"required": true
						},
						{
							"linkId": "crisis-plan",
							"text": "Do you have a crisis or safety plan?",
							"type": "boolean",
							"required": true
						},
						{
							"linkId": "psych-detail",
							"text": "Is there anything else you would like our doctors to know?",
							"type": "text",
							"required": false,
							"maxLength": 2000
						}
					]
				}
			]
		}
	],
	"flags": [
		{
			"code": "psychiatric-risk",
			"text": "Psychosis, bipolar disorder, a suicide attempt in the last 12 months, or thoughts of self-harm (PHQ-9 item 9)",
			"enableBehavior": "any",
			"enableWhen": [
				{
					"question": "psychosis",
					"operator": "=",
					"answerBoolean": true
				},
				{
					"question": "bipolar",
					"operator": "=",
					"answerBoolean": true
				},
				{
					"question": "suicide-attempt",
					"operator": "=",
					"answerBoolean": true
				},
				{
					"question": "phq9-9",
					"operator": "!=",
					"answerCoding": {
						"system": "http://loinc.org",
						"code": "LA6568-5"
					}
				}
			]
		},
		{
			"code": "current-suicidal-thoughts",
			"text": "Has thoughts of ending their life at the moment",
			"enableWhen": [
				{
					"question": "current-thoughts",
					"operator": "=",
					"answerBoolean": true
				}
			]
		},
		{
			"code": "severe-depression",
			"text": "PHQ-9 score in the severe range (20 or more)"
		},
		{
			"code": "severe-anxiety",
			"text": "GAD-7 score in the severe range (15 or more)"
		}
	],
	"scoring": [
		{
			"name": "phq9",
			"title": "PHQ-9 depression score",
			"items": [
				"phq9-1",
				"phq9-2",
				"phq9-3",
				"phq9-4",
				"phq9-5",
				"phq9-6",
				"phq9-7",
				"phq9-8",
				"phq9-9"
			],
			"bands": [
				{
					"min": 0,
					"max": 4,
					"code": "minimal",
					"label": "Minimal depression"
				},
				{
					"min": 5,
					"max": 9,
					"code": "mild",
					"label": "Mild depression"
				},
				{
					"min": 10,
					"max": 14,
					"code": "moderate",
					"label": "Moderate depression"
				},
				{
					"min": 15,
					"max": 19,
					"code": "moderately-severe",
					"label": "Moderately severe depression"
				},
				{
					"min": 20,
					"max": 27,
					"code": "severe",
					"label": "Severe depression",
					"flag": "severe-depression"
				}
			]
		},
		{
			"name": "gad7",
			"title": "GAD-7 anxiety score",
			"items": [
				"gad7-1",
				"gad7-2",
				"gad7-3",
				"gad7-4",
				"gad7-5",
				"gad7-6",
				"gad7-7"
			],
			"bands": [
				{
					"min": 0,
					"max": 4,
					"code": "minimal",
					"label": "Minimal anxiety"
				},
				{
					"min": 5,
					"max": 9,
					"code": "mild",
					"label": "Mild anxiety"
				},
				{
					"min": 10,
					"max": 14,
					"code": "moderate",
					"label": "Moderate anxiety"
				},
				{
					"min": 15,
					"max": 21,
					"code": "severe",
					"label": "Severe anxiety",
					"flag": "severe-anxiety"
				}
			]
		}
	]
}', UTC_TIMESTAMP(6));
INSERT INTO intake_rules (qkey, version, rules, created_at) VALUES
	('intake', 1, '{
	"outcomes": {
		"eligible": {
			"title": "You can book a consultation",
			"text": "From your answers, you may be able to have treatment at the clinic. The next steps are to upload your medical records summary, confirm your identity and book a video consultation with one of our doctors, who will make the decision with you."
		},
		"needs_review": {
			"title": "A doctor will review your answers",
			"text": "One of our doctors needs to look at your answers before you can book. We will contact you, usually within 2 working days. You do not need to do anything now."
		},
		"not_eligible": {
			"title": "We cannot offer you treatment at the moment",
			"text": "From your answers, the clinic cannot offer you treatment now. This is not a judgement about you, and the reasons are below. Other help is available.",
			"help": [
				"gp",
				"nhs111"
			]
		}
	},
	"help": [
		{
			"code": "emergency",
			"title": "In an emergency: 999",
			"text": "If you are in danger now or might act on thoughts of ending your life, call 999 or go to A&E."
		},
		{
			"code": "samaritans",
			"title": "Samaritans: 116 123",
			"text": "Talk to Samaritans any time, day or night, free from any phone. You can also email jo@samaritans.org."
		},
		{
			"code": "nhs111",
			"title": "NHS 111",
			"text": "For urgent advice that is not an emergency, call 111 or go to 111.nhs.uk."
		},
		{
			"code": "gp",
			"title": "Your GP",
			"text": "Your GP can talk with you about other treatments and refer you to a specialist."
		}
	],
	"rules": [
		{
			"code": "under-18",
			"outcome": "not_eligible",
			"when": [
				{
					"fact": "age",
					"operator": "<",
					"value": 18
				}
			],
			"text": "You need to be 18 or over. The clinic treats adults only.",
			"help": [
				"gp"
			]
		},
		{
			"code": "age-unknown",
			"outcome": "needs_review",
			"when": [
				{
					"fact": "age",
					"operator": "exists",
					"value": false
				}
			],
			"text": "We do not have your date of birth, so a doctor needs to check your age."
		},
		{
			"code": "no-listed-condition",
			"outcome": "not_eligible",
			"when": [
				{
					"count": "conditions",
					"except": [
						"other"
					],
					"operator": "<",
					"value": 1
				}
			],
			"text": "The clinic can only treat the conditions on its list. Your GP can talk with you about treatments for your condition."
		},
		{
			"code": "fewer-than-two-treatments",
			"outcome": "not_eligible",
			"when": [
				{
					"count": "treatments-tried",
					"except": [
						"none"
					],
					"operator": "<",
					"value": 2
				}
			],
			"text": "Cannabis-based medicines can only be prescribed after at least two licensed treatments have been tried. Your GP can help you try other treatments first."
		},
		{
			"code": "pregnancy",
			"outcome": "not_eligible",
			"behavior": "any",
			"when": [
				{
					"question": "pregnancy",
					"operator": "=",
					"answerCoding": {
						"system": "https://clinic.example/fhir/CodeSystem/intake",
						"code": "pregnant"
					}
				},
				{
					"question": "pregnancy",
					"operator": "=",
					"answerCoding": {
						"system": "https://clinic.example/fhir/CodeSystem/intake",
						"code": "breastfeeding"
					}
				},
				{
					"question": "pregnancy",
					"operator": "=",
					"answerCoding": {
						"system": "https://clinic.example/fhir/CodeSystem/intake",
						"code": "planning"
					}
				}
			],
			"text": "Cannabis-based medicines are not prescribed during pregnancy, while breast-feeding, or when planning a pregnancy, because they may harm the baby."
		},
		{
			"code": "psychiatric-history",
			"outcome": "needs_review",
			"when": [
				{
					"flag": "psychiatric-risk"
				}
			],
			"text": "You told us about your mental health history or about thoughts of harming yourself. A doctor needs to talk this through with you before treatment.",
			"help": [
				"samaritans",
				"emergency"
			]
		},
		{
			"code": "current-suicidal-thoughts",
			"outcome": "needs_review",
			"when": [
				{
					"flag": "current-suicidal-thoughts"
				}
			],
			"text": "You told us you are having thoughts of ending your life. Please use the contacts below if you need to talk to someone now.",
			"help": [
				"emergency",
				"samaritans"
			]
		},
		{
			"code": "severe-depression",
			"outcome": "needs_review",
			"when": [
				{
					"flag": "severe-depression"
				}
			],
			"text": "Your answers about your mood suggest severe depression. A doctor will talk with you about support before treatment.",
			"help": [
				"gp",
				"samaritans"
			]
		},
		{
			"code": "severe-anxiety",
			"outcome": "needs_review",
			"when": [
				{
					"flag": "severe-anxiety"
				}
			],
			"text": "Your answers about worry suggest severe anxiety. A doctor will talk with you about it before treatment.",
			"help": [
				"gp"
			]
		}
	]
}', UTC_TIMESTAMP(6));

-- PHQ-9 on its own (for outcome tracking): the intake's "phq9" section, its
-- scoring and shared flag, taken from the intake so the wording is kept once,
-- with a flag of its own.
INSERT INTO intake_questionnaire (qkey, version, title, definition, created_at)
SELECT 'phq-9', 1, 'PHQ-9: how you have been feeling', JSON_OBJECT(
	'resourceType', 'Questionnaire', 'name', 'PHQ9', 'title', 'PHQ-9: how you have been feeling', 'status', 'active',
	'item', JSON_ARRAY(JSON_EXTRACT(definition, REPLACE(JSON_UNQUOTE(JSON_SEARCH(definition,
	    'one', 'phq9', NULL, '$.item[*].linkId')), '.linkId', ''))),
	'flags', JSON_ARRAY(JSON_EXTRACT('{
		"code": "self-harm-thoughts",
		"text": "Thoughts of being better off dead or of self-harm (PHQ-9 item 9 above 0)",
		"enableWhen": [{"question": "phq9-9", "operator": "!=",
		    "answerCoding": {"system": "http://loinc.org", "code": "LA6568-5"}}]
	    }', '$'),
	    JSON_EXTRACT(definition, REPLACE(JSON_UNQUOTE(JSON_SEARCH(definition,
	    'one', 'severe-depression', NULL, '$.flags[*].code')), '.code', ''))),
	'scoring', JSON_ARRAY(JSON_EXTRACT(definition, REPLACE(JSON_UNQUOTE(JSON_SEARCH(definition,
	    'one', 'phq9', NULL, '$.scoring[*].name')), '.name', '')))),
	UTC_TIMESTAMP(6)
FROM intake_questionnaire WHERE qkey = 'intake' AND version = 1;
INSERT INTO intake_rules (qkey, version, rules, created_at) VALUES
	('phq-9', 1, '{
	"outcomes": {
		"eligible": {
			"title": "Thank you",
			"text": "Your answers are saved for your doctor, who will see how you are doing over time."
		},
		"needs_review": {
			"title": "A doctor will look at your answers",
			"text": "One of our doctors will look at your answers and contact you if needed."
		},
		"not_eligible": {
			"title": "Thank you",
			"text": "Your answers are saved."
		}
	},
	"help": [
		{
			"code": "emergency",
			"title": "In an emergency: 999",
			"text": "If you are in danger now or might act on thoughts of ending your life, call 999 or go to A&E."
		},
		{
			"code": "samaritans",
			"title": "Samaritans: 116 123",
			"text": "Talk to Samaritans any time, day or night, free from any phone. You can also email jo@samaritans.org."
		},
		{
			"code": "nhs111",
			"title": "NHS 111",
			"text": "For urgent advice that is not an emergency, call 111 or go to 111.nhs.uk."
		},
		{
			"code": "gp",
			"title": "Your GP",
			"text": "Your GP can talk with you about other treatments and refer you to a specialist."
		}
	],
	"rules": [
		{
			"code": "self-harm-thoughts",
			"outcome": "needs_review",
			"when": [
				{
					"flag": "self-harm-thoughts"
				}
			],
			"text": "You told us about thoughts of being better off dead or of hurting yourself. A doctor will contact you.",
			"help": [
				"samaritans",
				"emergency"
			]
		},
		{
			"code": "severe-depression",
			"outcome": "needs_review",
			"when": [
				{
					"flag": "severe-depression"
				}
			],
			"text": "Your answers suggest severe depression. A doctor will contact you.",
			"help": [
				"gp",
				"samaritans"
			]
		}
	]
}', UTC_TIMESTAMP(6));

-- GAD-7 on its own: the intake's "gad7" section, its scoring and shared flag,
-- taken from the intake so the wording is kept once.
INSERT INTO intake_questionnaire (qkey, version, title, definition, created_at)
SELECT 'gad-7', 1, 'GAD-7: worry and anxiety', JSON_OBJECT(
	'resourceType', 'Questionnaire', 'name', 'GAD7', 'title', 'GAD-7: worry and anxiety', 'status', 'active',
	'item', JSON_ARRAY(JSON_EXTRACT(definition, REPLACE(JSON_UNQUOTE(JSON_SEARCH(definition,
	    'one', 'gad7', NULL, '$.item[*].linkId')), '.linkId', ''))),
	'flags', JSON_ARRAY(JSON_EXTRACT(definition, REPLACE(JSON_UNQUOTE(JSON_SEARCH(definition,
	    'one', 'severe-anxiety', NULL, '$.flags[*].code')), '.code', ''))),
	'scoring', JSON_ARRAY(JSON_EXTRACT(definition, REPLACE(JSON_UNQUOTE(JSON_SEARCH(definition,
	    'one', 'gad7', NULL, '$.scoring[*].name')), '.name', '')))),
	UTC_TIMESTAMP(6)
FROM intake_questionnaire WHERE qkey = 'intake' AND version = 1;
INSERT INTO intake_rules (qkey, version, rules, created_at) VALUES
	('gad-7', 1, '{
	"outcomes": {
		"eligible": {
			"title": "Thank you",
			"text": "Your answers are saved for your doctor, who will see how you are doing over time."
		},
		"needs_review": {
			"title": "A doctor will look at your answers",
			"text": "One of our doctors will look at your answers and contact you if needed."
		},
		"not_eligible": {
			"title": "Thank you",
			"text": "Your answers are saved."
		}
	},
	"help": [
		{
			"code": "emergency",
			"title": "In an emergency: 999",
			"text": "If you are in danger now or might act on thoughts of ending your life, call 999 or go to A&E."
		},
		{
			"code": "samaritans",
			"title": "Samaritans: 116 123",
			"text": "Talk to Samaritans any time, day or night, free from any phone. You can also email jo@samaritans.org."
		},
		{
			"code": "nhs111",
			"title": "NHS 111",
			"text": "For urgent advice that is not an emergency, call 111 or go to 111.nhs.uk."
		},
		{
			"code": "gp",
			"title": "Your GP",
			"text": "Your GP can talk with you about other treatments and refer you to a specialist."
		}
	],
	"rules": [
		{
			"code": "severe-anxiety",
			"outcome": "needs_review",
			"when": [
				{
					"flag": "severe-anxiety"
				}
			],
			"text": "Your answers suggest severe anxiety. A doctor will contact you.",
			"help": [
				"gp"
			]
		}
	]
}', UTC_TIMESTAMP(6));
