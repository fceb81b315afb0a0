/*
 * The agent's heap policy (docs/performance.md, "Memory"). glibc's defaults
 * suit a program that allocates big blocks again and again; the agent
 * allocates its big blocks at start and at a reload (the kernel's BTF while
 * the BPF objects load, the rules' parse trees and programs) and then runs on
 * what it kept. Main thread only.
 */
#ifndef PALISADE_AGENT_MEMORY_H
#define PALISADE_AGENT_MEMORY_H

/* Before any other allocation and before any thread exists. */
void agent_memory_init(void);
/* After the start and after each reload: gives the heap's free pages back
 * and drops the file pages mapped read-only (they fault in again if read). */
void agent_memory_trim(void);

#endif
