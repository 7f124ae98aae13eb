/*
 * ConnectRecordingControl's configuration, from the environment the SAM
 * template sets (../shared/SIBLINGS.md §2.1, §2.3):
 *
 *   INSTANCE_ID       the Connect instance id; empty: taken from each
 *                     event's ContactData.InstanceARN
 *   REGION_ID         the seed's region variable; empty: AWS_REGION
 *   FLOW_ANSWER_RESERVE_MS  the answer is posted this long before the
 *                     invocation's deadline (500; Connect waits at most 8 s)
 */
#ifndef REC_HANDLER_RECORDING_CONTROL_CONFIG_H
#define REC_HANDLER_RECORDING_CONTROL_CONFIG_H

#include <stdint.h>

#include "common/error.h"
#include "connect/flow_event.h"

#define RECORDING_CONTROL_REGION_MAX 63

struct recording_control_config {
    char instance_id[FLOW_INSTANCE_ID_MAX + 1]; /* "" when unset */
    char region[RECORDING_CONTROL_REGION_MAX + 1]; /* "" when unset: AWS_REGION */
    int64_t answer_reserve_ms;
};

/* Reads the variables above into *cfg (caller's storage). Returns 0, or
 * REC_ERR_CONFIG with err naming the variable (handler/env_config.h). */
int recording_control_config_from_env(struct recording_control_config *cfg, struct rec_error *err);

#endif
