import { runMain } from '@switchboard/server';
import { ordersModule } from './index';

void runMain({ modules: [ordersModule] });
