#ifndef KM_FILTER_H
#define KM_FILTER_H
/* Installs the layer's seccomp filter on the calling thread (inherited by children and threads
 * created later); returns the notification listener fd or -1 with errno. */
int km_filter_install(void);
#endif
