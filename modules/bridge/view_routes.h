/*
 * bridge.fcgi routes for the pipeline, notifications and stock (helper B).
 * Included once, by bridge.c.
 */
#define BRIDGE_VIEW_ROUTES
