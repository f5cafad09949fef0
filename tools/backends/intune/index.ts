export { intuneDevices } from './devices';
export type { IntuneSettings } from './graph';
