#include "handler/recording_control_config.h"

#include <string.h>

#include "handler/env_config.h"

int recording_control_config_from_env(struct recording_control_config *cfg, struct rec_error *err)
{
    int rc = 0;
    long long reserve;
    memset(cfg, 0, sizeof(*cfg));
    REC_TRY(env_text("INSTANCE_ID", "", 0, cfg->instance_id, sizeof(cfg->instance_id), err));
    REC_TRY(env_text("REGION_ID", "", 0, cfg->region, sizeof(cfg->region), err));
    REC_TRY(env_number("FLOW_ANSWER_RESERVE_MS", 500, 0, 7000, &reserve, err));
    cfg->answer_reserve_ms = reserve;
cleanup:
    return rc;
}
