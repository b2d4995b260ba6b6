// Monaco's web workers are separate bundles next to this one; build.mjs injects their names.
/* global __MONACO_WORKERS__ */
const workers = __MONACO_WORKERS__;

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = workers[label] ?? workers.editor;
    return new Worker(new URL(file, import.meta.url));
  },
};
