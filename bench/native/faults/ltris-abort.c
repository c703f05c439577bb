/*
 * Fault ltris-abort in Debian's LTris (SDL 1.2), aimed at the crash detector
 * (the process ends by a signal, here SIGABRT, with nothing on stderr).
 *
 * Trigger: the third press of Space (the drop key in the build's
 * ltris.conf), in the menus or in a game. LTris reads its input through an
 * SDL event filter (SDL_SetEventFilter); this shim puts its own filter in
 * front of the game's, and calls abort() when that key press arrives, so the
 * game dies inside its own event handling as if it had failed an assertion
 * there.
 *
 * Built by bench/native/games.sh with gcc against Debian's libsdl1.2-dev and
 * preloaded by the build's play.sh (LD_PRELOAD, ahead of whatever the
 * platform preloads, e.g. libfaketime). SDL 1.2's parachute catches SIGSEGV
 * but not SIGABRT, so the signal reaches waitpid unchanged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dlsym's RTLD_NEXT; sdl-config defines it too */
#endif
#include <dlfcn.h>
#include <stdlib.h>

#include <SDL/SDL.h>

#define ABORT_ON_PRESS 3

static int space_presses;
static SDL_EventFilter game_filter;

static void look_at(const SDL_Event *event) {
  if (event->type != SDL_KEYDOWN || event->key.keysym.sym != SDLK_SPACE) return;
  if (++space_presses == ABORT_ON_PRESS) abort();
}

/* Sees every event as SDL queues it (in the game's own thread, inside its
 * SDL_PollEvent or SDL_WaitEvent), then lets the game's filter decide. */
static int fault_filter(const SDL_Event *event) {
  look_at(event);
  return game_filter == NULL ? 1 : game_filter(event);
}

void SDL_SetEventFilter(SDL_EventFilter filter) {
  static void (*real)(SDL_EventFilter);
  if (real == NULL) real = (void (*)(SDL_EventFilter))dlsym(RTLD_NEXT, "SDL_SetEventFilter");
  game_filter = filter;
  real(fault_filter);
}

SDL_EventFilter SDL_GetEventFilter(void) {
  return game_filter;
}
