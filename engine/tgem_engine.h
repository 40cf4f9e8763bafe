/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_ENGINE_H_
#define _TGEM_ENGINE_H_

#include <linux/types.h>

#include "engine/tgem_engine_types.h"

struct tgem_job;

int tgem_engine_exec(struct tgem_engine_exec *ex);
int tgem_engine_run_job(struct tgem_job *job, int (*check)(void *priv));

#endif
