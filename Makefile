# SPDX-License-Identifier: GPL-2.0-only
ifneq ($(KERNELRELEASE),)
# Kbuild: in tree as drivers/gpu/drm/tgem, or out of tree with M=.
ifneq ($(KBUILD_EXTMOD),)
CONFIG_DRM_TGEM ?= m
endif

# tgem_drm.h includes "drm.h" as every DRM uAPI header does; in the kernel
# tree proper it would sit beside it in include/uapi/drm/.
subdir-ccflags-y += -I$(src)
subdir-ccflags-y += -I$(src)/include
subdir-ccflags-y += -I$(srctree)/include/uapi/drm

obj-$(CONFIG_DRM_TGEM) += tgem.o

tgem-y := \
	engine/tgem_cmd.o \
	engine/tgem_context.o \
	engine/tgem_engine.o \
	engine/tgem_engine_mem.o \
	engine/tgem_job.o \
	engine/tgem_sched.o \
	execbuf/tgem_execbuf.o \
	execbuf/tgem_gpuvm.o \
	execbuf/tgem_reloc.o \
	execbuf/tgem_reloc_cache.o \
	execbuf/tgem_sync.o \
	gem/tgem_bo.o \
	gem/tgem_drv.o \
	gem/tgem_file.o \
	gem/tgem_ioctl.o \
	gem/tgem_mmap.o \
	gem/tgem_prefault.o \
	gem/tgem_prime.o \
	ttm/tgem_iter.o \
	ttm/tgem_kmap.o \
	ttm/tgem_move.o \
	ttm/tgem_placement.o \
	ttm/tgem_ttm.o \
	ttm/tgem_vram_mgr.o \
	userptr/tgem_userptr.o \
	userptr/tgem_userptr_ioctl.o \
	userptr/tgem_userptr_range.o

obj-$(CONFIG_DRM_TGEM_KUNIT_TEST) += tests/
obj-$(CONFIG_DRM_TGEM_BENCH) += tests/

else
# Not Kbuild: the developer entry points. See README.md.
.PHONY: all demo check bench setup kernel
all:
	@echo "see README.md: make demo | make check | make bench"

demo:
	@bash scripts/demo.sh

check:
	@bash scripts/check.sh

bench:
	@bash scripts/bench.sh

setup:
	@bash scripts/setup.sh

kernel: setup
	@bash scripts/build-kernel.sh
endif
