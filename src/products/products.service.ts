import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { CheckedImage, checkImage, ImageRejected } from './image-check';
import { Product } from './product.entity';

export interface UploadedPhoto {
  buffer: Buffer;
  size: number;
  originalname?: string;
}

export interface PreparedProduct {
  description: string;
  image: CheckedImage;
}

export const MAX_DESCRIPTION = 2000;

@Injectable()
export class ProductsService {
  private readonly logger = new Logger(ProductsService.name);
  readonly uploadDir: string;

  constructor(
    @InjectRepository(Product) private readonly products: Repository<Product>,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.uploadDir = path.join(config.dataDir, 'uploads');
  }

  /** Checks a photo and description without writing anything, so a rejected request leaves nothing behind. */
  async prepare(photo: UploadedPhoto | undefined, description: unknown, label = 'photo'): Promise<PreparedProduct> {
    if (!photo)
      throw new BadRequestException(`${label}: a product photo file is required (multipart field "${label}")`);
    if (photo.size > this.config.uploads.maxBytes) {
      throw new PayloadTooLargeException(
        `${label}: the file is ${photo.size} bytes; the limit is ${this.config.uploads.maxBytes}`,
      );
    }
    const text = typeof description === 'string' ? description.trim() : '';
    if (!text) throw new BadRequestException(`${label}: a product description is required`);
    if (text.length > MAX_DESCRIPTION)
      throw new BadRequestException(`${label}: the description is over ${MAX_DESCRIPTION} characters`);
    try {
      return { description: text, image: await checkImage(photo.buffer) };
    } catch (e) {
      if (e instanceof ImageRejected) throw new BadRequestException(`${label}: ${e.message}`);
      throw e;
    }
  }

  /**
   * Stores a prepared product: the file under a generated name, then the row (inside the caller's
   * transaction when given). If the row cannot be written the file is removed again.
   */
  async save(prepared: PreparedProduct, em?: EntityManager): Promise<Product> {
    await fs.mkdir(this.uploadDir, { recursive: true });
    const photoFile = `${randomUUID()}.${prepared.image.extension}`;
    const file = path.join(this.uploadDir, photoFile);
    await fs.writeFile(file, prepared.image.bytes);
    try {
      const repo = em ? em.getRepository(Product) : this.products;
      const id = randomUUID();
      await repo.insert({
        id,
        description: prepared.description,
        photoFile,
        mimeType: prepared.image.mimeType,
        width: prepared.image.width,
        height: prepared.image.height,
        sha256: prepared.image.sha256,
      });
      const product = await repo.findOneByOrFail({ id });
      this.logger.log(
        `product ${product.id}: stored ${prepared.image.width}×${prepared.image.height} ${prepared.image.mimeType}`,
      );
      return product;
    } catch (e) {
      await fs.rm(file, { force: true });
      throw e;
    }
  }

  async get(id: string): Promise<Product> {
    const product = await this.products.findOne({ where: { id } });
    if (!product) throw new NotFoundException(`product ${id} not found`);
    return product;
  }

  findMany(ids: string[]): Promise<Product[]> {
    return ids.length ? this.products.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  /** The ids among `ids` that do not exist. */
  async missing(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const found = await this.products.find({ where: { id: In(ids) }, select: ['id'] });
    const have = new Set(found.map((p) => p.id));
    return ids.filter((id) => !have.has(id));
  }

  /** What a generator needs of a product: the stored photo's path and the description. */
  async input(id: string): Promise<{ photoPath: string; description: string }> {
    const product = await this.get(id);
    return { photoPath: this.photoPath(product), description: product.description };
  }

  photoPath(product: Product): string {
    return path.join(this.uploadDir, product.photoFile);
  }

  toDto(product: Product) {
    return {
      id: product.id,
      description: product.description,
      photoUrl: `/api/products/${product.id}/photo`,
      width: product.width,
      height: product.height,
    };
  }
}
