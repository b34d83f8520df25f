#ifndef PATIENTS_H
#define PATIENTS_H
/* patients.fcgi: the patient profile and staff look-ups (docs/API.md#patients). */
struct req;

/*
 * The profile fields in the order of the PATCH field table (patients.c);
 * profile.c binds them by these indexes.
 */
enum pf {
	PF_PHONE, PF_ADDRESS_LINE1, PF_ADDRESS_LINE2, PF_TOWN, PF_POSTCODE,
	PF_NHS_NUMBER, PF_GP_PRACTICE, PF_GP_ADDRESS, PF_EMERGENCY_NAME,
	PF_EMERGENCY_PHONE, PF_EMERGENCY_RELATIONSHIP, PF_CONSENT_REGISTRY,
	PF_CONTACT_EMAIL, PF_CONTACT_SMS, PF_CONTACT_POST,
	PF__MAX
};

int	patients_me(struct req *);
int	patients_me_update(struct req *);
int	patients_get(struct req *);
int	patients_search(struct req *);

#endif
