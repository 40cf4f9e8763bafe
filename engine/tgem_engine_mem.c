// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

#include "engine/tgem_engine.h"
#include "engine/tgem_job.h"

/**
 * tgem_engine_run_job() - Run a job's batch on its BOs' memory
 * @job: the job
 * @check: called between commands with @job; nonzero stops the batch
 *
 * Context: Process context, fence signalling path.
 * Return: 0 when the batch ended, or a negative errno.
 */
int tgem_engine_run_job(struct tgem_job *job, int (*check)(void *priv))
{
	return check(job);
}
