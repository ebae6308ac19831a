import { runMain } from '@switchboard/server';
import { greeterModule } from './index';

void runMain({ modules: [greeterModule] });
