import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { BatchLink } from '../pipeline/entities/link.entity';
import { Product } from './product.entity';
import { ProductsService } from './products.service';

/** The product library (its routes and upload limits are the API's: api.module.ts). */
@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature([Product, BatchLink])],
  providers: [ProductsService],
  exports: [ProductsService],
})
export class ProductsModule {}
