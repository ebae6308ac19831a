export { loadApp } from './load-app';
