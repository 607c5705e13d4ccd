/* SPDX-License-Identifier: MIT */
/* gone.c — the DLL missing_import.exe needs, built where Wine's loader does not look. */
__declspec(dllexport) int wine_gone_answer(void);

int wine_gone_answer(void) { return 42; }
