/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_SCHED_H_
#define _TGEM_SCHED_H_

#include <linux/types.h>

#include "engine/tgem_sched_types.h"

struct drm_sched_entity;
struct tgem_device;
struct tgem_job;
struct work_struct;

int tgem_sched_init(struct tgem_device *tdev);
int tgem_sched_entity_init(struct tgem_device *tdev,
			   struct drm_sched_entity *entity);
void tgem_sched_run_work(struct work_struct *work);
unsigned int tgem_sched_timeout_ms(void);

#endif
