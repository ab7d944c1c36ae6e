// The bench worker's bundle: every product workflow, and the bare baselines beside them, so one worker serves both.
export * from '../../workflows';
export * from './bench';
