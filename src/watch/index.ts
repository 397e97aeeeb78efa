/** The in-process watch fan-out. */
export { WatchBus, type BusBatch, type BusEvent, type SubscribeOptions, type Subscription, type WatchBusConfig, type WatchBusStats } from './watch-bus.js';
