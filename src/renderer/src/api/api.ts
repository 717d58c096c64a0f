/**
 * The renderer's one way to the engine. In the desktop app the preload
 * script exposes the contract as `window.scenery`; in a browser (scenery
 * serve) it goes over HTTP. Components import `api` and nothing else.
 */
import type { SceneryApi } from '../../../shared/contract';
import { createHttpApi } from './http-transport';

declare global {
  interface Window {
    scenery?: SceneryApi;
  }
}

export const api: SceneryApi = window.scenery ?? createHttpApi();
