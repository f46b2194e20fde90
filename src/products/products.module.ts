import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { memoryStorage } from 'multer';
import { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { BatchLink } from '../pipeline/entities/link.entity';
import { Product } from './product.entity';
import { UploadLimitFilter } from './upload-limit.filter';
import { ProductsController } from './products.controller';
import { ProductsService } from './products.service';

/** Upload limits shared by every multipart route (products and curl-style batches). */
export const multerOptions = {
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => ({
    storage: memoryStorage(),
    limits: { fileSize: config.uploads.maxBytes, files: 101, fields: 400, fieldSize: 256 * 1024, parts: 600 },
  }),
};

@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature([Product, BatchLink]), MulterModule.registerAsync(multerOptions)],
  controllers: [ProductsController],
  providers: [ProductsService, UploadLimitFilter],
  exports: [ProductsService, UploadLimitFilter],
})
export class ProductsModule {}
