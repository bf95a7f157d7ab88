// The preload of the sandboxed renderer: it exposes the typed API (src-main/common/api/contract.ts) and nothing
// else. Sandboxed preloads are CommonJS, hence .cts.
import electron = require('electron');
import type { IpcRendererEvent } from 'electron';

const { contextBridge, ipcRenderer } = electron;

contextBridge.exposeInMainWorld('facetag', {
  call: (method: string, request: unknown): Promise<unknown> => ipcRenderer.invoke('facetag:call', method, request),
  on: (event: string, listener: (payload: unknown) => void): (() => void) => {
    const forward = (_e: IpcRendererEvent, name: string, payload: unknown): void => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on('facetag:event', forward);
    return () => ipcRenderer.off('facetag:event', forward);
  },
  pickFolder: (): Promise<string | null> => ipcRenderer.invoke('facetag:pickFolder'),
});
